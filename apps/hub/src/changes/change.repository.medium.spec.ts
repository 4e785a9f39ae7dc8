/** Medium test: the regression watch's batch statements on a real PostgreSQL (on PGlite: db/pglite.medium.spec.ts). */
import { useHubTestDatabase } from '../test-support/hub-database';
import { SERIES_POINTS_EXPECTED, seriesPointsCheck } from '../test-support/series-points-check';

const t = useHubTestDatabase();

it('writes many series points in one call, idempotently, and finds each of many points its own baseline', async () => {
  const r = await seriesPointsCheck(t.db.prisma);
  expect(r).toMatchObject(SERIES_POINTS_EXPECTED);
  expect(r.first).toEqual(r.expectedFirst);
});
