import { JobEventMessageSchema, ResultMessageSchema, type JobEventMessage } from '@fleetbench/protocol';
import { Outbox } from '../outbox/outbox';
import { AgentError } from '../util/errors';
import {
  assign,
  FakeArtifacts,
  FakeClock,
  FakeRunner,
  FakeTransport,
  flushPromises,
  MemoryOutboxStore,
} from '../test-support/fakes';
import { AgentCore } from './agent.core';

function setup() {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  const runner = new FakeRunner();
  const artifacts = new FakeArtifacts();
  const store = new MemoryOutboxStore();
  const outbox = new Outbox(store, transport);
  const current: Array<string | null> = [];
  let n = 0;
  const core = new AgentCore({
    transport,
    clock,
    runner,
    artifacts,
    outbox,
    newId: () => `01HZZZZZZZZZZZZZZZZZZZZZ${String(n++).padStart(2, '0')}`,
    onCurrentJobChange: (id) => current.push(id),
    progressIntervalMs: 0,
  });
  const events = () => transport.on('events') as JobEventMessage[];
  const kinds = (jobId?: string) =>
    events()
      .filter((e) => !jobId || e.jobId === jobId)
      .map((e) => e.kind);
  return { transport, clock, runner, artifacts, store, outbox, core, events, kinds, current };
}

describe('AgentCore', () => {
  it('accept → progress → result via the outbox → published exactly once', async () => {
    const t = setup();
    t.core.handle(assign('job-1'));
    await t.core.whenIdle();
    await t.outbox.flush();
    await flushPromises();
    expect(t.kinds('job-1')).toEqual(['accepted', 'progress', 'progress', 'progress', 'progress']);
    const progress = t.events().filter((e) => e.kind === 'progress');
    expect(progress.map((p) => p.phase)).toEqual(['download', 'load', 'measure', 'measure']);
    expect(progress.at(-1)!.progress).toBe(1);
    t.events().forEach((e) => expect(JobEventMessageSchema.safeParse(e).success).toBe(true));
    const results = t.transport.published.filter((p) => p.channel === 'results');
    expect(results).toHaveLength(1);
    expect(results[0].opts).toEqual({ qos: 1, retain: false });
    const result = ResultMessageSchema.parse(results[0].payload);
    expect(result.jobId).toBe('job-1');
    expect(result.environment.modelSha256).toBe(t.runner.calls[0].modelSha256);
    expect(t.store.files.size).toBe(1); // until the hub's receipt
    await t.outbox.confirm([result.msgId]);
    expect(t.store.files.size).toBe(0);
    expect(t.current).toEqual(['job-1', null]);
    expect(t.transport.published.filter((p) => p.channel === 'events').every((p) => p.opts.qos === 1)).toBe(true);
  });

  it('a failed job publishes failed with code and message and the agent takes the next job', async () => {
    const t = setup();
    t.runner.fail = new AgentError('provider-unavailable', 'Execution provider "cuda" is not available');
    t.core.handle(assign('bad'));
    t.core.handle(assign('good'));
    await t.core.whenIdle();
    await t.outbox.flush();
    const failed = t.events().find((e) => e.kind === 'failed')!;
    expect(failed.jobId).toBe('bad');
    expect(failed.error).toEqual({
      code: 'provider-unavailable',
      message: 'Execution provider "cuda" is not available',
    });
    expect(t.kinds('good')).toContain('accepted');
    expect(t.transport.on('results').map((r) => r.jobId)).toEqual(['good']);
  });

  it('an unexpected exception becomes failed run-failed; a download error keeps its code', async () => {
    const t = setup();
    t.runner.fail = new TypeError('boom');
    t.core.handle(assign('a'));
    await t.core.whenIdle();
    t.artifacts.fail = new AgentError('checksum-mismatch', 'bad bytes');
    t.core.handle(assign('b'));
    await t.core.whenIdle();
    await flushPromises();
    const failed = t.events().filter((e) => e.kind === 'failed');
    expect(failed.map((e) => e.error!.code)).toEqual(['run-failed', 'checksum-mismatch']);
  });

  it('runs one job at a time and queues the rest in order', async () => {
    const t = setup();
    t.runner.auto = false;
    t.core.handle(assign('j1'));
    t.core.handle(assign('j2'));
    t.core.handle(assign('j3'));
    await flushPromises();
    expect(t.runner.calls).toHaveLength(1);
    expect(t.core.currentJobId).toBe('j1');
    expect(t.core.queuedJobIds).toEqual(['j2', 'j3']);
    expect(t.kinds('j2')).toEqual([]);
    t.runner.release();
    await flushPromises();
    expect(t.core.currentJobId).toBe('j2');
    t.runner.release();
    await flushPromises();
    t.runner.release();
    await t.core.whenIdle();
    await t.outbox.flush();
    expect(t.transport.on('results').map((r) => r.jobId)).toEqual(['j1', 'j2', 'j3']);
  });

  it('ignores a redelivered assign for a running or finished attempt', async () => {
    const t = setup();
    t.runner.auto = false;
    t.core.handle(assign('j1'));
    t.core.handle(assign('j1'));
    await flushPromises();
    t.runner.release();
    await t.core.whenIdle();
    t.core.handle(assign('j1'));
    await flushPromises();
    expect(t.runner.calls).toHaveLength(1);
    t.core.handle(assign('j1', { attempt: 2 }));
    await flushPromises();
    expect(t.runner.calls).toHaveLength(2);
  });

  it('cancels the running job and a queued one', async () => {
    const t = setup();
    t.runner.auto = false;
    t.core.handle(assign('run'));
    t.core.handle(assign('queued'));
    t.core.handle(assign('next'));
    await flushPromises();
    t.core.handle({ v: 1, kind: 'cancel', ts: '2026-01-01T00:00:00Z', jobId: 'queued' });
    t.core.handle({ v: 1, kind: 'cancel', ts: '2026-01-01T00:00:00Z', jobId: 'run' });
    await flushPromises();
    expect(t.kinds('queued')).toEqual(['cancelled']);
    expect(t.kinds('run')).toContain('cancelled');
    expect(t.kinds('run')).not.toContain('failed');
    expect(t.core.currentJobId).toBe('next');
    t.runner.release();
    await t.core.whenIdle();
    await t.outbox.flush();
    expect(t.transport.on('results').map((r) => r.jobId)).toEqual(['next']);
  });

  it('fails a job that exceeds its time limit with code timeout', async () => {
    const t = setup();
    t.runner.auto = false;
    t.core.handle(assign('slow', { timeoutMs: 5000 }));
    await flushPromises();
    t.clock.advance(4999);
    await flushPromises();
    expect(t.kinds('slow')).not.toContain('failed');
    t.clock.advance(1);
    await t.core.whenIdle();
    await flushPromises();
    const failed = t.events().find((e) => e.kind === 'failed')!;
    expect(failed.error!.code).toBe('timeout');
    expect(failed.error!.message).toMatch(/time limit of 5 s/);
    expect(t.clock.pending).toBe(0);
  });

  it('keeps the result in the outbox while the broker is down and publishes it after reconnect', async () => {
    const t = setup();
    t.transport.down = true;
    t.core.handle(assign('j'));
    await t.core.whenIdle();
    await t.outbox.flush();
    expect(t.store.files.size).toBe(1);
    t.transport.down = false;
    await t.outbox.flush();
    expect(t.transport.on('results')).toHaveLength(1);
  });

  it('stop() aborts the running job without reporting it and starts nothing new', async () => {
    const t = setup();
    t.runner.auto = false;
    t.core.handle(assign('a'));
    t.core.handle(assign('b'));
    await flushPromises();
    await t.core.stop();
    await flushPromises();
    expect(t.kinds('a')).not.toContain('failed');
    expect(t.runner.calls).toHaveLength(1);
    expect(t.core.currentJobId).toBeNull();
  });
});
