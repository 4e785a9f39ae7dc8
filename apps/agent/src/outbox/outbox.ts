import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ResultMessageSchema, formatZodError, type ResultMessage } from '@fleetbench/protocol';
import type { OutboxStore, Transport } from '../core/ports';
import { fsyncDir, nodeFileOps, writeFileAtomic, type FileOps } from '../util/atomic-file';
import { silentLogger, type Logger } from '../util/logger';

/** How a result file is written; the default is {@link writeFileAtomic} (tests inject weaker ones to prove it matters). */
export type WriteStrategy = (file: string, data: string, mode: number, ops: FileOps) => Promise<void>;

/**
 * One file per result in `<dataDir>/outbox/<msgId>.json`, written atomically. A file that cannot be read back as a
 * valid result (torn by a crash, edited by hand, from an incompatible version) is moved to `outbox/corrupt/`.
 */
export class FileOutboxStore implements OutboxStore {
  readonly corruptDir: string;

  constructor(
    readonly dir: string,
    private readonly logger: Logger = silentLogger(),
    private readonly io: { ops?: FileOps; write?: WriteStrategy } = {},
  ) {
    this.corruptDir = path.join(dir, 'corrupt');
  }

  /** Resolves once the result is durable: it survives a crash or a power loss from then on. */
  async write(msg: ResultMessage): Promise<void> {
    await (this.io.write ?? writeFileAtomic)(
      this.fileOf(msg.msgId),
      JSON.stringify(msg),
      0o600,
      this.io.ops ?? nodeFileOps,
    );
  }

  async list(): Promise<ResultMessage[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: ResultMessage[] = [];
    for (const name of names.sort()) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        // This process's own temp files are writes in progress (writeFileAtomic names them .<file>.<pid>.<rand>.tmp):
        // moving one away would fail that write. Another process's: left by a crash before rename; the result was
        // never reported as stored, keep it for inspection.
        if (name.includes(`.${process.pid}.`)) continue;
        await this.setAside(file, 'unfinished temporary file');
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        // EISDIR: corrupt/; ENOENT: confirmed and removed since readdir.
        if (['EISDIR', 'ENOENT'].includes((err as NodeJS.ErrnoException).code ?? '')) continue;
        throw err;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        await this.setAside(file, 'not valid JSON (torn write?)');
        continue;
      }
      const parsed = ResultMessageSchema.safeParse(json);
      if (!parsed.success) {
        await this.setAside(file, formatZodError(parsed.error));
        continue;
      }
      if (`${parsed.data.msgId}.json` !== name) {
        await this.setAside(file, `file name does not match msgId ${parsed.data.msgId}`);
        continue;
      }
      out.push(parsed.data);
    }
    return out;
  }

  async remove(msgId: string): Promise<void> {
    await fs.rm(this.fileOf(msgId), { force: true });
    await fsyncDir(this.dir);
  }

  private fileOf(msgId: string): string {
    if (!/^[0-9A-Z]{26}$/.test(msgId)) throw new Error(`invalid msgId ${msgId}`);
    return path.join(this.dir, `${msgId}.json`);
  }

  private async setAside(file: string, reason: string): Promise<void> {
    await fs.mkdir(this.corruptDir, { recursive: true });
    const target = path.join(this.corruptDir, `${path.basename(file)}.${Date.now()}`);
    await fs.rename(file, target);
    await fsyncDir(this.dir);
    this.logger.warn({ file, movedTo: target, reason }, 'outbox file set aside');
  }
}

/**
 * Publishes stored results with QoS 1 and deletes each only after the hub's receipt (it is committed in the hub's
 * database): the broker's PUBACK only means the broker has it, and a broker crash loses what it acknowledged since its
 * last save. A result the broker acknowledged is not sent again by this connection; {@link reconnected} sends every
 * unconfirmed one again (the hub stores on msgId, so repeats change nothing and are confirmed too). Flushes are
 * serialised, so a result is never in flight twice from this process.
 */
export class Outbox {
  private running: Promise<void> | null = null;
  private again = false;
  /** Acknowledged by the broker (msgId → when), waiting for the hub's receipt. */
  private readonly sent = new Map<string, number>();

  /**
   * `resendAfterMs`: a result the broker acknowledged but the hub has not confirmed within this time is published
   * again by the next flush — e.g. it reached a broker that had just restarted without the hub's subscription yet,
   * which drops it although it acknowledged it.
   */
  constructor(
    private readonly store: OutboxStore,
    private readonly transport: Transport,
    private readonly logger: Logger = silentLogger(),
    private readonly resendAfterMs = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores the result durably, then tries to publish it. Resolves once it is on disk. */
  async add(msg: ResultMessage): Promise<void> {
    await this.store.write(msg);
    this.logger.info({ msgId: msg.msgId, jobId: msg.jobId }, 'result stored in outbox');
    void this.flush();
  }

  /** A new broker connection: everything not yet confirmed by the hub is published again. Never rejects. */
  reconnected(): Promise<void> {
    this.sent.clear();
    return this.flush();
  }

  /** The hub's receipt: these results are stored; their files go. Never rejects. */
  async confirm(msgIds: string[]): Promise<void> {
    for (const msgId of msgIds) {
      this.sent.delete(msgId);
      try {
        await this.store.remove(msgId);
        this.logger.info({ msgId }, 'result confirmed stored by the hub');
      } catch (err) {
        this.logger.warn({ msgId, err }, 'result confirmed but could not be removed from the outbox');
      }
    }
  }

  /** Results on disk not yet confirmed by the hub. */
  async pending(): Promise<number> {
    return (await this.store.list()).length;
  }

  /**
   * Publishes everything stored and not acknowledged by the broker, or acknowledged but unconfirmed for longer than
   * `resendAfterMs`; safe to call often (the daemon calls it on a timer). Never rejects.
   */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.flushOnce();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async flushOnce(): Promise<void> {
    let pending: ResultMessage[];
    try {
      pending = await this.store.list();
    } catch (err) {
      this.logger.error({ err }, 'cannot read the outbox');
      return;
    }
    for (const msg of pending) {
      const sentAt = this.sent.get(msg.msgId);
      if (sentAt !== undefined && this.now() - sentAt < this.resendAfterMs) continue;
      try {
        await this.transport.publish('results', msg, { qos: 1, retain: false });
      } catch (err) {
        this.logger.warn(
          { msgId: msg.msgId, err: (err as Error).message },
          'result not acknowledged yet; it stays in the outbox',
        );
        return; // broker unreachable: the next connect flushes again
      }
      this.sent.set(msg.msgId, this.now());
      this.logger.info({ msgId: msg.msgId, jobId: msg.jobId }, 'result published and acknowledged by the broker');
    }
  }
}
