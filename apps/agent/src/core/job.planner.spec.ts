import { assign } from '../test-support/fakes';
import { emptyState, plan, RECENT_LIMIT } from './job.planner';

const cancel = (jobId: string) => ({
  type: 'message' as const,
  message: { v: 1, kind: 'cancel' as const, ts: '2026-01-01T00:00:00Z', jobId },
});
const msg = (jobId: string, attempt = 1) => ({ type: 'message' as const, message: assign(jobId, { attempt }) });

describe('job planner', () => {
  it('starts when idle, queues when busy, starts the next when finished', () => {
    let r = plan(emptyState(), msg('a'));
    expect(r.steps.map((s) => s.kind)).toEqual(['start']);
    r = plan(r.state, msg('b'));
    expect(r.steps).toEqual([{ kind: 'enqueue', jobId: 'b', position: 0 }]);
    r = plan(r.state, { type: 'finished', jobId: 'a' });
    expect(r.steps).toMatchObject([{ kind: 'start', job: { jobId: 'b' } }]);
    expect(r.state.recent).toEqual(['a#1']);
  });

  it('cancel aborts the current job or drops a queued one', () => {
    let r = plan(plan(emptyState(), msg('a')).state, msg('b'));
    expect(plan(r.state, cancel('a')).steps).toEqual([{ kind: 'abort-current', jobId: 'a' }]);
    r = plan(r.state, cancel('b'));
    expect(r.steps).toEqual([{ kind: 'drop-queued', jobId: 'b' }]);
    expect(r.state.queue).toEqual([]);
    expect(plan(r.state, cancel('zzz')).steps[0].kind).toBe('ignore');
  });

  it('deduplicates redelivered assigns; a newer attempt replaces a queued one', () => {
    let r = plan(emptyState(), msg('a'));
    expect(plan(r.state, msg('a')).steps[0].kind).toBe('ignore');
    r = plan(r.state, msg('b'));
    expect(plan(r.state, msg('b')).steps[0].kind).toBe('ignore');
    const replaced = plan(r.state, msg('b', 2));
    expect(replaced.state.queue.map((j) => j.attempt)).toEqual([2]);
    const done = plan(r.state, { type: 'finished', jobId: 'a' });
    expect(plan(done.state, msg('a')).steps[0]).toMatchObject({
      kind: 'ignore',
      reason: 'already finished this attempt',
    });
  });

  it('ignores a finish for a job that is not current and bounds the recent list', () => {
    const r = plan(emptyState(), { type: 'finished', jobId: 'x' });
    expect(r.steps).toEqual([]);
    let s = emptyState();
    for (let i = 0; i < RECENT_LIMIT + 5; i++) {
      s = plan(s, msg(`j${i}`)).state;
      s = plan(s, { type: 'finished', jobId: `j${i}` }).state;
    }
    expect(s.recent).toHaveLength(RECENT_LIMIT);
  });
});
