import path from 'node:path';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AgentVersionSchema, type AgentPackage } from '@fleetbench/protocol';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import {
  AgentPackageManifestSchema,
  AgentPackageRepository,
  type StoredAgentPackage,
} from '../repositories/agent-package.repository';
import { ClockRepository } from '../repositories/clock.repository';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

/** The bundled package is under 1 MB; anything near this is not one. */
const MAX_PACKAGE_BYTES = 200 * 1024 ** 2;
const UploadedPackageJsonSchema = z.object({
  name: z.literal('fleetbench-agent'),
  version: AgentVersionSchema,
  dependencies: z.record(z.string(), z.string()).default({}),
  engines: z.object({ node: z.string() }).partial().optional(),
});
const HUB_URL_PLACEHOLDER = '__FLEETBENCH_HUB_URL__';
/** What may go into the script unquoted-safe: scheme, host (name, IPv4, [IPv6]), port, plain path. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

@Injectable()
export class AgentPackageService implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    private readonly packages: AgentPackageRepository,
    private readonly clock: ClockRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'agentPackageDir' | 'publicUrl'>,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ module: 'agent-package' });
  }

  /** Imports the package `npm run build` left (a failure is logged: the hub serves everything else regardless). */
  async onModuleInit(): Promise<void> {
    try {
      await this.importBuilt(this.config.agentPackageDir);
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, dir: this.config.agentPackageDir },
        'agent package not imported; devices cannot install from this hub until `npm run build` makes one',
      );
    }
  }

  /** Stores the package from a build folder (manifest.json + tarball) and makes it the default for installs. */
  async importBuilt(dir: string): Promise<StoredAgentPackage | null> {
    const built = await this.packages.readBuiltManifest(dir);
    if (built === null) {
      this.logger.warn({ dir }, 'no agent package built (run `npm run build`); device installs are unavailable');
      return null;
    }
    const manifest = AgentPackageManifestSchema.parse(built);
    let stored = await this.packages.get(manifest.version);
    if (stored && stored.sha256 !== manifest.sha256) {
      // A version names one set of bytes forever (devices and rollouts key on it); a rebuild needs a new version.
      this.logger.warn(
        { version: manifest.version, stored: stored.sha256, built: manifest.sha256 },
        'a different agent package with the same version is already stored; keeping the stored one',
      );
    } else if (!stored) {
      stored = await this.packages.add(manifest, path.join(dir, manifest.file), this.clock.now());
      this.logger.info({ version: stored.version, sha256: stored.sha256 }, 'agent package imported');
    }
    await this.packages.setLatest(manifest.version);
    return stored;
  }

  /**
   * Stores an uploaded package tarball (what scripts/build-agent-package.mjs makes); its version and native
   * dependencies come from the package.json inside. `makeLatest`: installs get it by default from now on.
   */
  async upload(body: Readable, makeLatest: boolean): Promise<AgentPackage> {
    return this.packages.withUpload(body, MAX_PACKAGE_BYTES, async ({ file, sha256, sizeBytes: size }) => {
      const pkgJson = await this.packages.packageJsonOf(file);
      const parsed = UploadedPackageJsonSchema.safeParse(pkgJson ? JSON.parse(pkgJson) : undefined);
      if (!parsed.success)
        throw new AppError(
          'bad-request',
          'The upload is not an agent package: it needs package/package.json with name "fleetbench-agent", a version and its dependencies (build one with node scripts/build-agent-package.mjs).',
        );
      const { version, dependencies, engines } = parsed.data;
      const existing = await this.packages.get(version);
      if (existing && existing.sha256 !== sha256)
        throw new AppError(
          'conflict',
          `Agent version ${version} is already stored with other content; give the build a new version.`,
        );
      const stored =
        existing ??
        (await this.packages.add(
          {
            version,
            file: 'upload.tgz',
            sha256,
            sizeBytes: size,
            node: engines?.node ?? '>=20',
            nativeDependencies: dependencies,
          },
          file,
          this.clock.now(),
        ));
      if (makeLatest) await this.packages.setLatest(version);
      this.logger.info({ version, sha256, latest: makeLatest }, 'agent package uploaded');
      return this.view(stored, await this.packages.latest());
    });
  }

  async list(): Promise<AgentPackage[]> {
    const latest = await this.packages.latest();
    const all = await this.packages.list();
    return all
      .sort((a, b) => b.addedAt.localeCompare(a.addedAt) || b.version.localeCompare(a.version))
      .map((p) => this.view(p, latest));
  }

  /** One package; `latest` (or no version) is the install default. */
  async describe(version?: string): Promise<AgentPackage> {
    const latest = await this.packages.latest();
    const wanted = !version || version === 'latest' ? latest : version;
    if (!wanted)
      throw new AppError(
        'not-found',
        'This hub has no agent package yet: build one with `npm run build` on the hub (it writes dist/agent-package) and restart the hub.',
      );
    const p = await this.packages.get(wanted);
    if (!p) throw AppError.notFound('Agent package version', wanted);
    return this.view(p, latest);
  }

  /** A package and the file that holds it (the controller sends it). */
  async locate(version?: string): Promise<{ pkg: AgentPackage; path: string }> {
    const pkg = await this.describe(version);
    return { pkg, path: this.packages.pathOf(pkg.version) };
  }

  /** The install script with this hub's URL: FLEETBENCH_PUBLIC_URL, else the URL the caller reached us on. */
  async installScript(requestUrl: string): Promise<string> {
    const hubUrl = (this.config.publicUrl ?? requestUrl).replace(/\/+$/, '');
    if (!SAFE_URL.test(hubUrl))
      throw new AppError(
        'bad-request',
        `Cannot write the hub URL "${hubUrl.slice(0, 100)}" into the install script; set FLEETBENCH_PUBLIC_URL on the hub (e.g. http://hub.local:4000).`,
      );
    const script = await this.packages.installScriptTemplate();
    return script.replace(`"${HUB_URL_PLACEHOLDER}"`, `"${hubUrl}"`);
  }

  private view(p: StoredAgentPackage, latest: string | null): AgentPackage {
    return {
      version: p.version,
      sha256: p.sha256,
      sizeBytes: p.sizeBytes,
      node: p.node,
      nativeDependencies: p.nativeDependencies,
      addedAt: p.addedAt,
      latest: p.version === latest,
    };
  }
}
