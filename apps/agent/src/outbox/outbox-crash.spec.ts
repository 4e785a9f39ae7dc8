import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchmarkSettingsSchema, type ResultMessage } from '@fleetbench/protocol';
import { ulid } from 'ulid';
import { fakeOutput } from '../test-support/fakes';
import { FLUSH_VIEWS, PowerLoss, PowerLossFs } from '../test-support/power-loss-fs';
import { writeFileAtomic, type FileOps } from '../util/atomic-file';
import { FileOutboxStore, type WriteStrategy } from './outbox';

function result(jobId: string): ResultMessage {
  const settings = BenchmarkSettingsSchema.parse({});
  return {
    v: 1,
    msgId: ulid(),
    ts: new Date().toISOString(),
    jobId,
    settings,
    ...fakeOutput({
      modelPath: '/x',
      modelSha256: 'b'.repeat(64),
      settings,
      signal: new AbortController().signal,
      onProgress: () => {},
    }),
  };
}

/**
 * The outbox's promise: once `write` resolved, the result survives a crash or a power loss. Three results are written
 * through the store on a {@link PowerLossFs}; the power goes at every step of the sequence (every call, every 64-byte
 * boundary of a write, and after the last one), and every state the disk could then hold is checked: each result
 * whose write resolved must be there, whole. Returns the violations found.
 */
async function powerLossViolations(write: WriteStrategy): Promise<string[]> {
  const msgs = [result('job-a'), result('job-b'), result('job-c')];
  const run = async (budget: number) => {
    const fs = new PowerLossFs(budget);
    const store = new FileOutboxStore('/outbox', undefined, { ops: fs, write });
    const reported: ResultMessage[] = [];
    for (const msg of msgs) {
      try {
        await store.write(msg);
        reported.push(msg);
      } catch (err) {
        if (!(err instanceof PowerLoss)) throw err;
        break;
      }
    }
    return { fs, reported };
  };
  const total = (await run(Infinity)).fs.stepsTaken;
  const violations: string[] = [];
  for (let budget = 0; budget <= total; budget++) {
    const { fs, reported } = await run(budget);
    for (const view of FLUSH_VIEWS) {
      const disk = fs.afterCrash(view);
      for (const msg of reported)
        if (disk.get(`/outbox/${msg.msgId}.json`) !== JSON.stringify(msg))
          violations.push(
            `power lost at step ${budget}/${total} (${view.names} names, ${view.contents} contents): ${msg.jobId} missing or torn`,
          );
    }
  }
  return violations;
}

describe('outbox writes survive a power loss at any point', () => {
  it('holds for the atomic write (temp file, fsync, rename, fsync folder)', async () => {
    expect(await powerLossViolations(writeFileAtomic)).toEqual([]);
  });

  // The same check against weaker writes: it must catch each of them.
  const plain: WriteStrategy = async (file, data, mode, ops: FileOps) => {
    const h = await ops.open(file, mode);
    await h.writeFile(data);
    await h.close();
  };
  const renameWithoutDataSync: WriteStrategy = async (file, data, mode, ops) => {
    const h = await ops.open(`${file}.tmp`, mode);
    await h.writeFile(data);
    await h.close();
    await ops.rename(`${file}.tmp`, file);
    await ops.syncDir(path.dirname(file));
  };
  const renameWithoutFolderSync: WriteStrategy = async (file, data, mode, ops) => {
    const h = await ops.open(`${file}.tmp`, mode);
    await h.writeFile(data);
    await h.sync();
    await h.close();
    await ops.rename(`${file}.tmp`, file);
  };
  it.each([
    ['a plain write', plain],
    ['temp + rename without fsync of the data', renameWithoutDataSync],
    ['temp + fsync + rename without fsync of the folder', renameWithoutFolderSync],
  ])('catches %s', async (_name, write) => {
    expect((await powerLossViolations(write)).length).toBeGreaterThan(0);
  });
});

/**
 * A child process writes results in a loop through the agent's own writeFileAtomic (compiled on the fly with
 * @swc/core, like jest does) and is killed with SIGKILL mid-stream. Every file the outbox then lists must be a
 * whole, valid result; leftovers of the interrupted write are set aside, never reported.
 */
it('survives kill -9 in the middle of writing results', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-outbox-kill-'));
  const settings = BenchmarkSettingsSchema.parse({});
  const sample: ResultMessage = {
    v: 1,
    msgId: ulid(),
    ts: new Date().toISOString(),
    jobId: 'job-1',
    settings,
    ...fakeOutput({
      modelPath: '/x',
      modelSha256: 'b'.repeat(64),
      settings,
      signal: new AbortController().signal,
      onProgress: () => {},
    }),
  };
  const atomic = path.join(__dirname, '..', 'util', 'atomic-file.ts');
  const script = `
    const swc = require('@swc/core');
    const Module = require('node:module');
    Module._extensions['.ts'] = (m, file) => m._compile(
      swc.transformFileSync(file, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }).code, file);
    const { writeFileAtomic } = require(${JSON.stringify(atomic)});
    const sample = ${JSON.stringify(sample)};
    // Big payloads make the kill land inside a write more often.
    const pad = 'x'.repeat(2_000_000);
    let i = 0;
    (async () => {
      for (;;) {
        const id = String(1e6 + i++).padStart(26, '0');
        await writeFileAtomic(${JSON.stringify(dir)} + '/' + id + '.json', JSON.stringify({ ...sample, msgId: id, jobId: 'job-' + i, pad }));
        if (i === 3) process.stdout.write('ready\\n');
      }
    })();`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  await new Promise((r) => setTimeout(r, 37));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  const store = new FileOutboxStore(dir);
  const listed = await store.list();
  expect(listed.length).toBeGreaterThanOrEqual(3);
  // ULID-shaped msgIds are what the schema accepts; the padded ids here fail it only if the JSON was torn.
  for (const r of listed) expect(r.jobId).toMatch(/^job-\d+$/);
  const left = await fs.readdir(dir);
  expect(left.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  await fs.rm(dir, { recursive: true, force: true });
}, 30_000);
