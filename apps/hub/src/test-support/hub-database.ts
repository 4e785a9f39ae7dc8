import { openDatabase, type Database } from '../db/database';
import { createTestDatabase } from './database';

/**
 * For a medium spec file: a fresh test database with the hub's migrations applied, opened before its tests and closed
 * and dropped after them. Read `.db` (and `.url`) inside tests (it is set in `beforeAll`).
 */
export function useHubTestDatabase(): { db: Database; url: string } {
  const holder = {} as { db: Database; url: string };
  let created: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    created = await createTestDatabase();
    holder.url = created.url;
    holder.db = await openDatabase({ databaseUrl: created.url, dataDir: null });
  });
  afterAll(async () => {
    await holder.db?.close();
    await created?.drop();
  });
  return holder;
}
