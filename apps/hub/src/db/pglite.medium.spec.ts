/** Embedded database: migrations apply to PGlite (on disk, then reopened) and the Prisma client queries it. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RESULT_BATCH_EXPECTED } from '../test-support/result-batch-check';
import { SERIES_POINTS_EXPECTED } from '../test-support/series-points-check';
import { INGEST_FACTS_EXPECTED } from '../test-support/ingest-facts-check';

const run = promisify(execFile);
const support = path.resolve(__dirname, '../test-support');

// A child process: PGlite loads its wasm via dynamic import(), which jest's CJS VM cannot host.
const smoke = async (dir: string) => {
  const { stdout } = await run(process.execPath, [
    '-r',
    path.join(support, 'swc-register.js'),
    path.join(support, 'pglite-smoke.ts'),
    dir,
  ]);
  return JSON.parse(stdout.trim().split('\n').pop()!);
};

it('migrates an embedded PGlite data dir, queries it, and reopens it without re-applying', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-pglite-'));
  try {
    const first = await smoke(dir);
    expect(first.kind).toBe('pglite');
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.classes).toEqual(['hc-1']);
    // Replica safety on the embedded database: one active job per device, campaign roll-up, single-use tickets.
    expect(first).toMatchObject({ assigned: [true, false], rolledUp: 'completed', redeemed: [true, false] });
    // Shared by replicas, single hub too: telemetry history in sample order, pruned; a stale zoo task ends.
    expect(first.telemetry).toEqual({ pruned: 1, history: [2, 3, 4] });
    expect(first.zooTask).toEqual({ progressed: true, ended: true, state: 'failed', done: 1 });
    // Batched ingest: the multi-row INSERT … ON CONFLICT DO NOTHING RETURNING through Prisma's raw API on PGlite.
    expect(first.resultBatch).toMatchObject(RESULT_BATCH_EXPECTED);
    expect(first.resultBatch.first).toEqual(first.resultBatch.expectedFirst);
    expect(first.resultBatch.second).toEqual(first.resultBatch.expectedSecond);
    expect(first.resultBatch.attempt).toEqual(first.resultBatch.expectedAttempt);
    expect(first.resultBatch.sameAttempt).toEqual(first.resultBatch.expectedSameAttempt);
    expect(first.resultBatch.storedOfAskedFor).toEqual(first.resultBatch.expectedStoredOfAskedFor);
    // Batched job events: one UPDATE … FROM jsonb_to_recordset, refused whole on a second active job of a device.
    expect(first.eventBatch).toEqual({ updated: true, progress: 0.5, refused: true });
    // The regression watch's batch: one insert of many series points, one baseline query for many points.
    expect(first.seriesPoints).toMatchObject(SERIES_POINTS_EXPECTED);
    expect(first.seriesPoints.first).toEqual({ ...first.seriesPoints.expectedFirst });
    // Ingest's batch look-ups by raw SQL: the same as Prisma reads.
    expect(first.ingestFacts).toEqual(INGEST_FACTS_EXPECTED);
    const second = await smoke(dir);
    expect(second.applied).toEqual([]);
    expect(second.tokens).toBe(2);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}, 120_000); // two child processes, each applying every migration to a fresh PGlite: slow on a loaded 2-core box
