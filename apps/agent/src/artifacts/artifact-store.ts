import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { x as extractTar } from 'tar';
import type { DatasetArtifact, ModelArtifact, ZooRecipe } from '@fleetbench/protocol';
import type { ArtifactStore } from '../core/ports';
import { fsyncDir } from '../util/atomic-file';
import { retry, type BackoffOptions } from '../util/backoff';
import { AgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';
import { materializeZooModel } from './zoo-artifacts';

export interface HttpArtifactStoreOptions {
  hubUrl: string;
  agentId: string;
  password: string;
  /** `<dataDir>/cache/artifacts` */
  cacheDir: string;
  logger?: Logger;
  /** Network retries after the first attempt. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Cap of the cache in bytes (artifacts + unpacked datasets); least recently used entries are evicted. */
  maxBytes?: number;
  /** Where datasets are unpacked (default: `<cacheDir>/../datasets`). */
  datasetsDir?: string;
}

/** What the store needs to know about any artifact (a model or a dataset). */
export type ArtifactRef = Pick<ModelArtifact, 'name' | 'sha256' | 'sizeBytes' | 'downloadPath'>;

/** A failure that another attempt cannot fix (bad credentials, unknown artifact). */
class PermanentDownloadError extends AgentError {}

/**
 * Downloads artifacts from the hub by sha256 into a `.partial` file (resumed with Range after an interruption),
 * verifies the hash before use and caches the verified file under its sha256.
 */
export class HttpArtifactStore implements ArtifactStore {
  private readonly logger: Logger;

  constructor(private readonly opts: HttpArtifactStoreOptions) {
    this.logger = opts.logger ?? silentLogger();
  }

  pathOf(sha256: string): string {
    return path.join(this.opts.cacheDir, sha256);
  }

  async fetch(model: ArtifactRef & { recipe?: ZooRecipe }, signal: AbortSignal): Promise<string> {
    if (model.recipe) {
      // Zoo model: built here from its recipe and verified against the job's sha256, never downloaded.
      const built = await materializeZooModel({
        cacheDir: this.opts.cacheDir,
        recipe: model.recipe,
        expectedSha256: model.sha256,
        signal,
        logger: this.logger,
      });
      if (built.built) await this.evict(new Set([model.sha256]));
      return built.path;
    }
    const final = this.pathOf(model.sha256);
    await fs.mkdir(this.opts.cacheDir, { recursive: true });
    if (await exists(final)) {
      // Cached files are validated when read back: a bit flip or a hand edit must not produce wrong numbers.
      if ((await sha256File(final)) === model.sha256) {
        await touch(final);
        return final;
      }
      this.logger.warn({ sha256: model.sha256 }, 'cached artifact does not match its sha256; downloading again');
      await fs.rm(final, { force: true });
    }
    const partial = `${final}.partial`;
    const url = new URL(model.downloadPath, `${this.opts.hubUrl.replace(/\/+$/, '')}/`).toString();
    await retry(() => this.download(url, partial, signal), {
      retries: this.opts.retries ?? 4,
      ...this.opts.backoff,
      signal,
      shouldRetry: (err) => !(err instanceof PermanentDownloadError) && !signal.aborted,
    });
    const actual = await sha256File(partial);
    if (actual !== model.sha256) {
      await fs.rm(partial, { force: true });
      throw new AgentError(
        'checksum-mismatch',
        `The downloaded model "${model.name}" has sha256 ${actual}, not the expected ${model.sha256}; the file was deleted. Re-register the model on the hub if it changed.`,
      );
    }
    await fs.rename(partial, final);
    await fsyncDir(this.opts.cacheDir);
    this.logger.info({ sha256: model.sha256, bytes: model.sizeBytes }, 'artifact downloaded and verified');
    await this.evict(new Set([model.sha256]));
    return final;
  }

  get datasetsDir(): string {
    return this.opts.datasetsDir ?? path.join(path.dirname(this.opts.cacheDir), 'datasets');
  }

  /**
   * A dataset artifact: the tar file is fetched and verified like a model, then unpacked once into
   * `<datasetsDir>/<sha256>/` (an `.unpacking` folder renamed when complete). Returns the folder of the images.
   */
  async fetchDataset(dataset: DatasetArtifact, signal: AbortSignal): Promise<string> {
    const dir = path.join(this.datasetsDir, dataset.sha256);
    const images = path.join(dir, 'images');
    if (await exists(path.join(dir, '.complete'))) {
      await touch(this.pathOf(dataset.sha256));
      await touch(dir);
      return images;
    }
    const file = await this.fetch(dataset, signal);
    const tmp = `${dir}.unpacking-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp, { recursive: true });
    try {
      // node-tar refuses absolute paths and `..` by default, so an archive cannot write outside `tmp`.
      await extractTar({ file, cwd: tmp, strict: true });
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw new AgentError(
        'dataset-invalid',
        `The dataset "${dataset.name}" could not be unpacked (${(err as Error).message}); it must be a tar archive as described in the agent README.`,
        { cause: err },
      );
    }
    if (!(await exists(path.join(tmp, 'images')))) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw new AgentError('dataset-invalid', `The dataset "${dataset.name}" has no images/ folder.`);
    }
    await fs.writeFile(path.join(tmp, '.complete'), dataset.sha256);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
    await fsyncDir(this.datasetsDir);
    await this.evict(new Set([dataset.sha256]));
    return images;
  }

  /**
   * Keeps the cache under maxBytes: entries (an artifact file plus its unpacked dataset folder, if any) are
   * removed least recently used first (mtime, refreshed on every use); `keep` and partial downloads stay.
   */
  async evict(keep: Set<string> = new Set()): Promise<string[]> {
    const cap = this.opts.maxBytes;
    if (!cap) return [];
    const names = await fs.readdir(this.opts.cacheDir).catch(() => [] as string[]);
    const entries: Array<{ sha: string; name: string; bytes: number; usedAt: number }> = [];
    for (const name of names.filter((n) => /^[0-9a-f]{64}(\.zoo)?$/.test(n))) {
      const sha = name.slice(0, 64);
      const st = await fs.stat(path.join(this.opts.cacheDir, name)).catch(() => null);
      if (!st) continue;
      // A `.zoo` folder: a built zoo model with its external data files.
      const own = st.isDirectory() ? await dirSize(path.join(this.opts.cacheDir, name)) : st.size;
      const unpacked = path.join(this.datasetsDir, sha);
      entries.push({ sha, name, bytes: own + (await dirSize(unpacked)), usedAt: st.mtimeMs });
    }
    let total = entries.reduce((a, e) => a + e.bytes, 0);
    const evicted: string[] = [];
    for (const e of entries.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= cap) break;
      if (keep.has(e.sha)) continue;
      await fs.rm(path.join(this.opts.cacheDir, e.name), { recursive: true, force: true });
      await fs.rm(path.join(this.datasetsDir, e.sha), { recursive: true, force: true });
      total -= e.bytes;
      evicted.push(e.sha);
      this.logger.info({ sha256: e.sha, bytes: e.bytes }, 'evicted from the artifact cache (size cap)');
    }
    return evicted;
  }

  private async download(url: string, partial: string, signal: AbortSignal): Promise<void> {
    const have = await sizeOf(partial);
    const auth = Buffer.from(`${this.opts.agentId}:${this.opts.password}`).toString('base64');
    const headers: Record<string, string> = { authorization: `Basic ${auth}` };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new AgentError(
        'download-failed',
        `The hub at ${new URL(url).origin} could not be reached (${(err as Error).message}).`,
        { cause: err },
      );
    }
    if (res.status === 416) {
      // Our partial file is longer than the artifact: start over.
      await res.body?.cancel();
      await fs.rm(partial, { force: true });
      throw new AgentError('download-failed', 'The partial download did not fit the artifact; restarting it.');
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new PermanentDownloadError(
        'download-failed',
        `The hub refused this agent's credentials (HTTP ${res.status}) for ${url}; enroll the agent again.`,
      );
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new PermanentDownloadError('download-failed', `The hub has no artifact at ${url} (HTTP 404).`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      const err = new AgentError('download-failed', `The hub answered HTTP ${res.status} for ${url}.`);
      if (res.status < 500 && res.status !== 408 && res.status !== 429)
        throw new PermanentDownloadError(err.code, err.message);
      throw err;
    }
    let append = false;
    if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      append = start !== undefined && Number(start) === have;
      if (!append) {
        await res.body?.cancel();
        await fs.rm(partial, { force: true });
        throw new AgentError('download-failed', 'The hub resumed the download at an unexpected offset; restarting it.');
      }
    }
    if (!res.body) throw new AgentError('download-failed', `The hub sent no body for ${url}.`);
    if (!append && have > 0) this.logger.info({ url }, 'hub ignored the Range request; downloading from the start');
    const out = createWriteStream(partial, { flags: append ? 'a' : 'w', mode: 0o600 });
    try {
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), out);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new AgentError('download-failed', `The download from ${url} was interrupted (${(err as Error).message}).`, {
        cause: err,
      });
    }
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Marks a cache entry as just used (its mtime orders LRU eviction). */
async function touch(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => {});
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else total += (await fs.stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}
