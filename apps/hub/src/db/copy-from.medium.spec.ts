/** Medium test: the driver's COPY (ingest's bulk insert) on a real PostgreSQL, including a connection lost mid-COPY. */
import net from 'node:net';
import { useHubTestDatabase } from '../test-support/hub-database';
import { copyLine } from './copy-text';
import { openDatabase, sqlOf } from './database';

const t = useHubTestDatabase();

beforeAll(async () => {
  const sql = sqlOf(t.db.prisma);
  await sql.query('CREATE TABLE copy_probe (n int, s text, j jsonb, b boolean, f float8)');
  // A row that takes a while: the COPY is still running when the test ends its connection.
  await sql.query('CREATE TABLE copy_slow (n int)');
  await sql.query(
    `CREATE FUNCTION copy_slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$`,
  );
  await sql.query(
    'CREATE TRIGGER copy_slow_t BEFORE INSERT ON copy_slow FOR EACH ROW EXECUTE FUNCTION copy_slow_row()',
  );
});

it('copies rows as sent and refuses the whole COPY on a duplicate key, leaving the pool usable', async () => {
  const sql = sqlOf(t.db.prisma);
  expect(sql.copyFrom).toBeDefined();
  const lines = [
    copyLine([1, 'a\tb\\c\nd', JSON.stringify({ k: 'x"y\\z' }), true, 0.1 + 0.2]),
    copyLine([2, null, null, false, -1e-300]),
  ].join('');
  await expect(sql.copyFrom!('COPY copy_probe (n, s, j, b, f) FROM STDIN', lines)).resolves.toBe(2);
  expect(await sql.query('SELECT n, s, j, b, f FROM copy_probe ORDER BY n')).toEqual([
    { n: 1, s: 'a\tb\\c\nd', j: { k: 'x"y\\z' }, b: true, f: 0.1 + 0.2 },
    { n: 2, s: null, j: null, b: false, f: -1e-300 },
  ]);

  await sql.query('CREATE UNIQUE INDEX ON copy_probe (n)');
  const refused = sql.copyFrom!('COPY copy_probe (n) FROM STDIN', copyLine([3]) + copyLine([1]));
  await expect(refused).rejects.toMatchObject({ code: '23505' });
  expect(await sql.query('SELECT count(*)::int AS n FROM copy_probe')).toEqual([{ n: 2 }]);
});

it('rejects a COPY whose connection is cut (reset mid-COPY), without taking the process down', async () => {
  // The pool reaches PostgreSQL through a TCP proxy the test can cut, as a server restart or a network fault does.
  const target = new URL(t.url);
  const cut = new Set<net.Socket>();
  const proxy = net.createServer((down) => {
    const up = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [down, up]) s.on('error', () => undefined);
    down.pipe(up).pipe(down);
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
    cut.add(down);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const viaProxy = new URL(t.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String((proxy.address() as net.AddressInfo).port);
  const db = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: null });
  const unhandled: unknown[] = [];
  const onUncaught = (err: unknown) => unhandled.push(err);
  process.prependListener('uncaughtException', onUncaught);
  try {
    const sql = sqlOf(db.prisma);
    const copying = sql.copyFrom!('COPY copy_slow (n) FROM STDIN', copyLine([1]));
    // Once the COPY runs (its row sleeping in the trigger), every connection through the proxy is reset.
    for (let i = 0; i < 100; i++) {
      const [{ n }] = await sqlOf(t.db.prisma).query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY copy_slow%' AND state = 'active'`,
      );
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of cut) s.resetAndDestroy();
    await expect(copying).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300)); // the socket's own 'error' event comes after
    expect(unhandled).toEqual([]);
    // The broken connection was not handed back: the next statement gets a new one.
    expect(await sql.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  } finally {
    process.off('uncaughtException', onUncaught);
    await db.close().catch(() => undefined);
    proxy.close();
  }
});
