import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { Inject, Injectable } from '@nestjs/common';
import { AgentVersionSchema, Sha256Schema } from '@fleetbench/protocol';
import { z } from 'zod';
import type { HubConfig } from '../config';
import { AppError } from '../utils/app-error';
import { HUB_CONFIG } from './tokens';

/** The device install script (deploy/agent/install.sh); the hub fills in its own URL. */
export const INSTALL_SCRIPT = path.join(__dirname, '../../../../deploy/agent/install.sh');

/** An upload spooled to a temporary file. */
export interface SpooledUpload {
  file: string;
  sha256: string;
  sizeBytes: number;
}

/** What `scripts/lib/agent-package.mjs` writes beside the tarball (dist/agent-package/manifest.json). */
export const AgentPackageManifestSchema = z.object({
  version: AgentVersionSchema,
  file: z.string().regex(/^[^/\\]+\.tgz$/),
  sha256: Sha256Schema,
  sizeBytes: z.number().int().nonnegative(),
  node: z.string().default('>=20'),
  nativeDependencies: z.record(z.string(), z.string()),
});
export type AgentPackageManifest = z.infer<typeof AgentPackageManifestSchema>;

export const StoredAgentPackageSchema = AgentPackageManifestSchema.omit({ file: true }).extend({ addedAt: z.string() });
export type StoredAgentPackage = z.infer<typeof StoredAgentPackageSchema>;

/**
 * Agent packages kept by the hub: `<dataDir>/agent-packages/<version>.tgz` + `<version>.json`, and `latest` naming
 * the version installs get by default. Every version ever imported stays, so a rollout can roll back to it.
 */
@Injectable()
export class AgentPackageRepository {
  readonly root: string;

  constructor(@Inject(HUB_CONFIG) config: Pick<HubConfig, 'dataDir'>) {
    this.root = path.join(config.dataDir, 'agent-packages');
  }

  private file(version: string, ext: 'tgz' | 'json'): string {
    return path.join(this.root, `${AgentVersionSchema.parse(version)}.${ext}`);
  }

  async get(version: string): Promise<StoredAgentPackage | null> {
    if (!AgentVersionSchema.safeParse(version).success) return null;
    try {
      return StoredAgentPackageSchema.parse(JSON.parse(await fs.readFile(this.file(version, 'json'), 'utf8')));
    } catch {
      return null;
    }
  }

  async list(): Promise<StoredAgentPackage[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch {
      return [];
    }
    const all = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -'.json'.length))),
    );
    return all.filter((p): p is StoredAgentPackage => p !== null);
  }

  async latest(): Promise<string | null> {
    try {
      return (await fs.readFile(path.join(this.root, 'latest'), 'utf8')).trim() || null;
    } catch {
      return null;
    }
  }

  async setLatest(version: string): Promise<void> {
    await this.writeAtomic(path.join(this.root, 'latest'), `${AgentVersionSchema.parse(version)}\n`);
  }

  /** Copies a built package in after checking its sha256; the description is written last (it marks it complete). */
  async add(manifest: AgentPackageManifest, tarball: string, addedAt: Date): Promise<StoredAgentPackage> {
    await fs.mkdir(this.root, { recursive: true });
    const tmp = `${this.file(manifest.version, 'tgz')}.${process.pid}.tmp`;
    await fs.copyFile(tarball, tmp);
    const sha256 = await sha256File(tmp);
    if (sha256 !== manifest.sha256) {
      await fs.rm(tmp, { force: true });
      throw new Error(`${tarball} has sha256 ${sha256}, its manifest says ${manifest.sha256}`);
    }
    await fs.rename(tmp, this.file(manifest.version, 'tgz'));
    const { file: _file, ...rest } = manifest;
    const stored: StoredAgentPackage = { ...rest, addedAt: addedAt.toISOString() };
    await this.writeAtomic(this.file(manifest.version, 'json'), `${JSON.stringify(stored, null, 2)}\n`);
    return stored;
  }

  pathOf(version: string): string {
    return this.file(version, 'tgz');
  }

  /** The manifest JSON a build folder holds (dist/agent-package/manifest.json); null when nothing was built there. */
  async readBuiltManifest(dir: string): Promise<unknown | null> {
    const manifestFile = path.join(dir, 'manifest.json');
    if (!existsSync(manifestFile)) return null;
    return JSON.parse(await fs.readFile(manifestFile, 'utf8'));
  }

  /** Spools an upload to a temporary file (hashed; 413 past maxBytes), hands it to `use`, and removes it after. */
  async withUpload<T>(body: Readable, maxBytes: number, use: (u: SpooledUpload) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-agent-upload-'));
    try {
      const file = path.join(dir, 'upload.tgz');
      const hash = createHash('sha256');
      let size = 0;
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            size += chunk.length;
            if (size > maxBytes)
              return cb(new AppError('payload-too-large', `An agent package is at most ${maxBytes} bytes.`));
            hash.update(chunk);
            cb(null, chunk);
          },
        }),
        createWriteStream(file),
      );
      return await use({ file, sha256: hash.digest('hex'), sizeBytes: size });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /** The text of `package/package.json` inside a package tarball ('' when absent); 400 when it is not a gzipped tar. */
  async packageJsonOf(file: string): Promise<string> {
    let pkgJson = '';
    try {
      await tar.t({
        file,
        onReadEntry: (entry) => {
          if (entry.path === 'package/package.json') entry.on('data', (d: Buffer) => (pkgJson += d.toString()));
          else entry.resume();
        },
      });
    } catch (err) {
      throw new AppError('bad-request', `The upload is not a gzipped tar (${(err as Error).message}).`);
    }
    return pkgJson;
  }

  /** The install script as shipped, with its hub URL placeholder. */
  installScriptTemplate(): Promise<string> {
    return fs.readFile(INSTALL_SCRIPT, 'utf8');
  }

  private async writeAtomic(file: string, text: string): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  }
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
