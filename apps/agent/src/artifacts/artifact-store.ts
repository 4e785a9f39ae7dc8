import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ModelArtifact } from '@fleetbench/protocol';
import type { ArtifactStore } from '../core/ports';
import { fsyncDir } from '../util/atomic-file';
import { retry, type BackoffOptions } from '../util/backoff';
import { AgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';

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
}

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

  async fetch(model: ModelArtifact, signal: AbortSignal): Promise<string> {
    const final = this.pathOf(model.sha256);
    await fs.mkdir(this.opts.cacheDir, { recursive: true });
    if (await exists(final)) {
      // Cached files are validated when read back: a bit flip or a hand edit must not produce wrong numbers.
      if ((await sha256File(final)) === model.sha256) return final;
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
    return final;
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
