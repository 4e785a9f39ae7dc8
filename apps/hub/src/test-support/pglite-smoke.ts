// Run by db/pglite.spec.ts in a child process: open an in-memory PGlite, migrate, query through Prisma.
import { openDatabase } from '../db/database';

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: null, dataDir: process.argv[2] ?? null });
  try {
    await db.prisma.hardwareClass.upsert({
      where: { id: 'hc-1' },
      create: { id: 'hc-1', key: 'k', name: 'n' },
      update: {},
    });
    await db.prisma.apiToken.create({ data: { tokenHash: `h-${Date.now()}`, label: 'l' } });
    const classes = await db.prisma.hardwareClass.findMany();
    const tokens = await db.prisma.apiToken.count();
    process.stdout.write(
      JSON.stringify({ kind: db.kind, applied: db.applied, classes: classes.map((c) => c.id), tokens }) + '\n',
    );
  } finally {
    await db.close();
  }
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
