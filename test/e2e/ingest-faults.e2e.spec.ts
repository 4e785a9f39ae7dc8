/**
 * Exactly once under faults, the small version of `node bench/ingest-faults.mjs` (same script, fewer jobs): two real
 * agents run 40 short mnist jobs through a hub on PostgreSQL and Mosquitto (persistence on, as deployed) while the
 * script kills and restarts the hub (kill -9 and SIGTERM) and the broker (both), cuts the database and the agents'
 * network for 3 s, kills an agent mid-job and tears an outbox file. Every measured result must be stored exactly once
 * by msgId, every job succeed and the campaign complete with nobody touching it. The second test runs the same faults
 * against two hub replicas (one database, one broker through a shared subscription, Redis): each hub fault hits one
 * replica while the other keeps working.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../support/processes';

interface Summary {
  ok: boolean;
  replicas: number;
  faults: string[];
  sent: number;
  stored: number;
  missing: number;
  extra: number;
  duplicateRows: number;
  torn: number;
  tornSetAside: number;
  tornStored: number;
  outboxLeft: number;
  openJobs: number;
  jobs: number;
  jobStates: Record<string, number>;
  campaignStates: string[];
}

/** Runs the bench at the small size and returns its JSON summary with everything it printed. */
async function runBench(extra: string[]): Promise<{ s: Summary; code: number | null; why: string }> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bench/ingest-faults.mjs'),
      '--agents',
      '2',
      '--jobs',
      '40',
      '--rounds',
      '1',
      '--timeout',
      '200',
      '--json',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"jobs"'));
  if (!last) throw new Error(`no summary from bench/ingest-faults.mjs (exit ${code}):\n${out.slice(-8000)}`);
  return { s: JSON.parse(last) as Summary, code, why: `\n${out.slice(-8000)}` };
}

function expectExactlyOnce({ s, code, why }: Awaited<ReturnType<typeof runBench>>, replicas: number): void {
  try {
    expect({
      replicas: s.replicas,
      faults: s.faults.length,
      missing: s.missing,
      extra: s.extra,
      duplicateRows: s.duplicateRows,
    }).toEqual({ replicas, faults: 8, missing: 0, extra: 0, duplicateRows: 0 });
    expect(s.sent).toBeGreaterThanOrEqual(s.jobs);
    expect(s.stored).toBe(s.sent);
    expect([s.torn, s.tornSetAside, s.tornStored, s.outboxLeft]).toEqual([1, 1, 0, 0]);
    expect([s.openJobs, s.jobStates]).toEqual([0, { succeeded: s.jobs }]);
    expect(s.campaignStates).toEqual(['completed']);
  } catch (err) {
    // The bench's own lines (faults, counts, the processes' last output) say what went wrong.
    (err as Error).message += why;
    throw err;
  }
  if (!s.ok || code !== 0) throw new Error(`bench reported a problem (exit ${code})${why}`);
}

it('stores every measured result exactly once through hub, broker, database, network and agent faults', async () => {
  expectExactlyOnce(await runBench([]), 1);
}, 240_000);

it('stores every measured result exactly once with two hub replicas, one of them killed or restarted at a time', async () => {
  expectExactlyOnce(await runBench(['--replicas', '2']), 2);
}, 240_000);
