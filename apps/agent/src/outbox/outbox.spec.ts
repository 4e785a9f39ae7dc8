import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchmarkSettingsSchema, type ResultMessage } from '@fleetbench/protocol';
import { ulid } from 'ulid';
import { fakeOutput, FakeTransport } from '../test-support/fakes';
import { FileOutboxStore, Outbox } from './outbox';

function result(jobId = 'job-1'): ResultMessage {
  const settings = BenchmarkSettingsSchema.parse({});
  const out = fakeOutput({
    modelPath: '/x',
    modelSha256: 'b'.repeat(64),
    settings,
    signal: new AbortController().signal,
    onProgress: () => {},
  });
  return { v: 1, msgId: ulid(), ts: new Date().toISOString(), jobId, settings, ...out };
}

describe('outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fb-outbox-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes one 0600 file per result atomically (no temp files left)', async () => {
    const store = new FileOutboxStore(dir);
    const r = result();
    await store.write(r);
    const names = await fs.readdir(dir);
    expect(names).toEqual([`${r.msgId}.json`]);
    expect((await fs.stat(path.join(dir, names[0]))).mode & 0o777).toBe(0o600);
    expect(await store.list()).toEqual([r]);
  });

  it('republishes what a previous process left, with the same msgId, and deletes it only after the hub’s receipt', async () => {
    const r = result();
    await new FileOutboxStore(dir).write(r); // "previous process" stored it, then died before publishing

    const transport = new FakeTransport();
    let ack!: () => void;
    const acked = new Promise<void>((resolve) => (ack = resolve));
    const publish = transport.publish.bind(transport);
    transport.publish = (async (channel, payload, opts) => {
      await acked; // PUBACK not yet received
      return publish(channel, payload, opts);
    }) as typeof transport.publish;

    const outbox = new Outbox(new FileOutboxStore(dir), transport);
    const flushing = outbox.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(await fs.readdir(dir)).toEqual([`${r.msgId}.json`]); // still there while unacknowledged
    ack();
    await flushing;
    expect(transport.on('results').map((p) => p.msgId)).toEqual([r.msgId]);
    // The broker's PUBACK is not enough (a broker crash loses what it acknowledged since its last save).
    expect(await fs.readdir(dir)).toEqual([`${r.msgId}.json`]);
    await outbox.flush(); // not sent again on the same connection
    expect(transport.on('results')).toHaveLength(1);
    await outbox.confirm([r.msgId]);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('sends every unconfirmed result again after a reconnect (the broker may have lost them)', async () => {
    const transport = new FakeTransport();
    const outbox = new Outbox(new FileOutboxStore(dir), transport);
    const [a, b] = [result('a'), result('b')];
    await outbox.add(a);
    await outbox.add(b);
    await outbox.flush();
    expect(transport.on('results').map((p) => p.jobId)).toEqual(['a', 'b']);
    await outbox.confirm([a.msgId]);
    await outbox.reconnected();
    expect(transport.on('results').map((p) => p.jobId)).toEqual(['a', 'b', 'b']);
    await outbox.confirm([b.msgId]);
    await outbox.reconnected();
    expect(transport.on('results')).toHaveLength(3);
    expect(await outbox.pending()).toBe(0);
  });

  it('keeps the file when the publish fails and sends it on the next flush', async () => {
    const transport = new FakeTransport();
    transport.down = true;
    const outbox = new Outbox(new FileOutboxStore(dir), transport);
    const r = result();
    await outbox.add(r);
    await outbox.flush();
    expect(await fs.readdir(dir)).toEqual([`${r.msgId}.json`]);
    transport.down = false;
    await outbox.flush();
    expect(transport.on('results').map((p) => p.msgId)).toEqual([r.msgId]);
  });

  it('sets torn, invalid and unfinished files aside in corrupt/ and still publishes the good ones', async () => {
    const good = result('good');
    const store = new FileOutboxStore(dir);
    await store.write(good);
    const full = JSON.stringify(result('torn'));
    await fs.writeFile(path.join(dir, `${ulid()}.json`), full.slice(0, full.length / 2)); // torn by a crash
    await fs.writeFile(path.join(dir, `${ulid()}.json`), JSON.stringify({ v: 2, msgId: 'nope' })); // wrong schema
    await fs.writeFile(path.join(dir, `.x.json.123.abcd.tmp`), '{"v":1'); // crash before rename
    const transport = new FakeTransport();
    await new Outbox(store, transport).flush();
    expect(transport.on('results').map((p) => p.jobId)).toEqual(['good']);
    const names = await fs.readdir(dir);
    expect(names.sort()).toEqual([`${good.msgId}.json`, 'corrupt']); // kept until the hub's receipt
    expect(await fs.readdir(path.join(dir, 'corrupt'))).toHaveLength(3);
  });

  it('a result never goes out twice from concurrent flushes', async () => {
    const transport = new FakeTransport();
    const outbox = new Outbox(new FileOutboxStore(dir), transport);
    await new FileOutboxStore(dir).write(result('a'));
    await new FileOutboxStore(dir).write(result('b'));
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush()]);
    expect(
      transport
        .on('results')
        .map((p) => p.jobId)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('publishes a result again when the hub has not confirmed it in time (a broker that dropped it)', async () => {
    const transport = new FakeTransport();
    let now = 1_000;
    const outbox = new Outbox(new FileOutboxStore(dir), transport, undefined, 20_000, () => now);
    const r = result('lost');
    await outbox.add(r);
    await outbox.flush();
    now += 19_000;
    await outbox.flush();
    expect(transport.on('results')).toHaveLength(1);
    now += 2_000;
    await outbox.flush();
    expect(transport.on('results').map((p) => p.msgId)).toEqual([r.msgId, r.msgId]);
    await outbox.confirm([r.msgId]);
    now += 60_000;
    await outbox.flush();
    expect(transport.on('results')).toHaveLength(2);
  });

  it('leaves a write in progress alone while listing (only another process’s temp files are set aside)', async () => {
    const store = new FileOutboxStore(dir);
    await fs.writeFile(path.join(dir, `.${ulid()}.json.${process.pid}.abcd1234.tmp`), '{"v":1'); // being written now
    await fs.writeFile(path.join(dir, `.${ulid()}.json.999999.abcd1234.tmp`), '{"v":1'); // a crashed process's
    expect(await store.list()).toEqual([]);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    expect(await fs.readdir(path.join(dir, 'corrupt'))).toHaveLength(1);
  });
});
