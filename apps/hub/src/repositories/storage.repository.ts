import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config';
import { AppError } from '../utils/app-error';
import { HUB_CONFIG } from './tokens';

export interface StagedFile {
  tmpPath: string;
  sha256: string;
  sizeBytes: number;
}

/** Content-addressed artifact store: `<dataDir>/artifacts/<sha256>`; uploads are staged under `tmp/` first. */
@Injectable()
export class StorageRepository {
  readonly root: string;

  constructor(@Inject(HUB_CONFIG) config: Pick<HubConfig, 'dataDir'>) {
    this.root = path.join(config.dataDir, 'artifacts');
  }

  pathOf(sha256: string): string {
    return path.join(this.root, sha256);
  }

  /** Whether a path on the hub is a regular file (registration by path). */
  async isFile(file: string): Promise<boolean> {
    return (await fs.stat(file).catch(() => null))?.isFile() ?? false;
  }

  async stat(sha256: string): Promise<{ size: number } | null> {
    try {
      const s = await fs.stat(this.pathOf(sha256));
      return s.isFile() ? { size: s.size } : null;
    } catch {
      return null;
    }
  }

  /** Streams to a temp file while hashing; aborts with 413 past `maxBytes`. */
  async stage(source: Readable, maxBytes: number): Promise<StagedFile> {
    await fs.mkdir(path.join(this.root, 'tmp'), { recursive: true });
    const tmpPath = path.join(this.root, 'tmp', randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes)
          return cb(new AppError('payload-too-large', `The upload exceeds the limit of ${maxBytes} bytes.`));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmpPath));
    } catch (err) {
      await fs.rm(tmpPath, { force: true });
      throw err;
    }
    return { tmpPath, sha256: hash.digest('hex'), sizeBytes: size };
  }

  /** Copies a local file into staging (registration by path keeps the user's file untouched). */
  async stageFromPath(file: string, maxBytes: number): Promise<StagedFile> {
    return this.stage(createReadStream(file), maxBytes);
  }

  readStaged(staged: StagedFile): Promise<Buffer> {
    return fs.readFile(staged.tmpPath);
  }

  async commit(staged: StagedFile): Promise<void> {
    await fs.rename(staged.tmpPath, this.pathOf(staged.sha256));
  }

  async discard(staged: StagedFile): Promise<void> {
    await fs.rm(staged.tmpPath, { force: true });
  }

  async list(): Promise<string[]> {
    try {
      return (await fs.readdir(this.root)).filter((f) => /^[0-9a-f]{64}$/.test(f));
    } catch {
      return [];
    }
  }
}
