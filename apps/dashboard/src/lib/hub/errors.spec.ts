import { describeHubProblem, hubOrigin, problemFromFetchError } from './errors';

describe('hub errors', () => {
  it('names the hub URL when it cannot be reached', () => {
    const err = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
    });
    const p = problemFromFetchError('http://127.0.0.1:4000/api/v1/devices', err);
    expect(p).toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED' });
    expect(describeHubProblem(p).title).toBe('Cannot reach the hub at http://127.0.0.1:4000 (ECONNREFUSED).');
    expect(describeHubProblem(p).hint).toContain('FLEETBENCH_HUB_URL');
  });

  it('recognises timeouts', () => {
    const err = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(problemFromFetchError('http://hub:4000/x', err).kind).toBe('timeout');
  });

  it('shows the hub sentence for HTTP errors', () => {
    const d = describeHubProblem({
      kind: 'http',
      url: 'http://hub:4000/api/v1/leaderboard',
      status: 500,
      code: 'internal',
      detail: 'Database is down.',
    });
    expect(d.title).toBe('The hub at http://hub:4000 answered 500 (internal).');
    expect(d.hint).toBe('Database is down.');
  });

  it('keeps unparsable URLs as they are', () => {
    expect(hubOrigin('nonsense')).toBe('nonsense');
  });
});
