/** Medium test: the regression watch's batch statements on a real PostgreSQL (on PGlite: db/pglite.medium.spec.ts). */
import { openDatabase, type Database } from '../db/database';
import { createTestDatabase } from '../test-support/database';
import { SERIES_POINTS_EXPECTED, seriesPointsCheck } from '../test-support/series-points-check';

let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await openDatabase({ databaseUrl: tdb.url, dataDir: null });
});

afterAll(async () => {
  await db?.close();
  await tdb?.drop();
});

it('writes many series points in one call, idempotently, and finds each of many points its own baseline', async () => {
  const r = await seriesPointsCheck(db.prisma);
  expect(r).toMatchObject(SERIES_POINTS_EXPECTED);
  expect(r.first).toEqual(r.expectedFirst);
});
