import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { agentPackagePaths, type AgentUpgradeMessage, type RolloutReport } from '@fleetbench/protocol';
import { writeFileAtomic } from '../util/atomic-file';
import type { Logger } from '../util/logger';

/**
 * Files the upgrade leaves in the install folder (/opt/fleetbench). The package's launcher (bin/fleetbench-agent.js,
 * scripts/lib/agent-package.mjs) reads PENDING_FILE on every start: a new version that fails to start, or does not
 * come online before the deadline, is switched back to `from` by the launcher, which writes REPORT_FILE.
 */
export const PENDING_FILE = 'upgrade.json';
export const REPORT_FILE = 'upgrade-report.json';
/** Exit code that asks the service manager to start the agent again (systemd Restart=on-failure). */
export const RESTART_EXIT_CODE = 75;

export interface PendingUpgrade {
  rolloutId: string;
  version: string;
  /** `current` link targets, relative to the install folder: `versions/<v>`. */
  from: string;
  to: string;
  /** Epoch ms by which the new version must have come online. */
  deadline: number;
  attempts: number;
}

/** Where the running agent is installed: `<prefix>/versions/<version>/dist/cli.js` → prefix; null elsewhere. */
export function installPrefix(bundleDir: string): string | null {
  const versionDir = path.dirname(bundleDir);
  const versions = path.dirname(versionDir);
  return path.basename(versions) === 'versions' ? path.dirname(versions) : null;
}

export interface SelfUpgraderOptions {
  prefix: string;
  hubUrl: string;
  agentId: string;
  password: string;
  runningVersion: string;
  logger: Logger;
  /** Resolves when no job runs (upgrades happen between jobs). */
  waitIdle: () => Promise<void>;
  /** Stops the daemon and exits with RESTART_EXIT_CODE. */
  restart: () => void;
  fetchImpl?: typeof fetch;
}

const run = promisify(execFile);

/**
 * Installs a version the hub rolls out beside the running one, the same way deploy/agent/install.sh does, switches
 * the `current` link and restarts; reports the outcome to the hub.
 */
export class SelfUpgrader {
  private busy: Promise<void> = Promise.resolve();
  /** Set once a version was switched: the process is about to restart, later commands wait for the new one. */
  private switched = false;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: SelfUpgraderOptions) {
    this.fetch = opts.fetchImpl ?? fetch;
  }

  /** Queues the upgrade (one at a time). */
  handle(msg: AgentUpgradeMessage): void {
    this.busy = this.busy.then(() =>
      (this.switched ? Promise.resolve() : this.upgrade(msg)).catch(async (err: Error) => {
        this.opts.logger.error({ err: err.message, version: msg.version }, 'upgrade failed; keeping this version');
        await this.writeReport({
          rolloutId: msg.rolloutId,
          version: msg.version,
          outcome: 'failed',
          runningVersion: this.opts.runningVersion,
          message: err.message.slice(0, 2000),
        });
        await this.flushReport();
      }),
    );
  }

  /** After connecting: a pending upgrade to this very version succeeded; then send any report waiting on disk. */
  async confirm(): Promise<void> {
    const pending = await this.readPending();
    if (pending && pending.version === this.opts.runningVersion) {
      await fs.rm(path.join(this.opts.prefix, PENDING_FILE), { force: true });
      await this.writeReport({
        rolloutId: pending.rolloutId,
        version: pending.version,
        outcome: 'succeeded',
        runningVersion: this.opts.runningVersion,
        message: null,
      });
      this.opts.logger.info({ version: pending.version }, 'upgrade confirmed: this version is online');
    }
    await this.flushReport();
  }

  /** Posts REPORT_FILE to the hub; keeps it for the next try when the hub is unreachable. */
  async flushReport(): Promise<void> {
    const file = path.join(this.opts.prefix, REPORT_FILE);
    let body: string;
    try {
      body = await fs.readFile(file, 'utf8');
    } catch {
      return;
    }
    try {
      const res = await this.fetch(`${this.opts.hubUrl}${agentPackagePaths.rolloutReport}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: this.auth() },
        body,
      });
      // 4xx: the hub will never take it (unknown rollout, revoked device); do not resend forever.
      if (res.ok || (res.status >= 400 && res.status < 500)) await fs.rm(file, { force: true });
      this.opts.logger.info({ status: res.status }, 'upgrade report sent');
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'upgrade report not sent; retried at the next connect');
    }
  }

  private auth(): string {
    return `Basic ${Buffer.from(`${this.opts.agentId}:${this.opts.password}`).toString('base64')}`;
  }

  private async upgrade(msg: AgentUpgradeMessage): Promise<void> {
    const { prefix, logger } = this.opts;
    if (msg.version === this.opts.runningVersion) {
      await this.writeReport({
        rolloutId: msg.rolloutId,
        version: msg.version,
        outcome: 'succeeded',
        runningVersion: msg.version,
        message: 'already on this version',
      });
      return this.flushReport();
    }
    await this.opts.waitIdle();
    logger.info({ version: msg.version, rolloutId: msg.rolloutId }, 'upgrading');
    const versions = path.join(prefix, 'versions');
    const dest = path.join(versions, msg.version);
    const stage = `${dest}.tmp`;
    await fs.rm(stage, { recursive: true, force: true });
    await fs.mkdir(stage, { recursive: true });
    const tgz = `${stage}.tgz`;
    try {
      await this.download(msg, tgz);
      const tar = await import('tar');
      await tar.x({ file: tgz, cwd: stage, strip: 1 });
    } finally {
      await fs.rm(tgz, { force: true });
    }
    await this.nativeDependencies(stage);
    const { stdout } = await run(process.execPath, [path.join(stage, 'bin/fleetbench-agent.js'), '--version'], {
      timeout: 60_000,
    });
    if (stdout.trim() !== msg.version)
      throw new Error(`the package says version ${stdout.trim()}, the hub said ${msg.version}`);
    await fs.writeFile(path.join(stage, '.installed'), `${msg.sha256}\n`);
    await fs.rm(dest, { recursive: true, force: true });
    await fs.rename(stage, dest);

    // A job may have arrived while installing: switch only between jobs.
    await this.opts.waitIdle();
    const current = path.join(prefix, 'current');
    const from = await fs.readlink(current);
    const pending: PendingUpgrade = {
      rolloutId: msg.rolloutId,
      version: msg.version,
      from,
      to: `versions/${msg.version}`,
      deadline: Date.now() + msg.confirmWithinMs,
      attempts: 0,
    };
    await writeFileAtomic(path.join(prefix, PENDING_FILE), JSON.stringify(pending), 0o644);
    await relink(prefix, 'previous', from);
    await relink(prefix, 'current', pending.to);
    // Keep the version being left (for the rollback) and the new one; older ones go, as install.sh does.
    for (const v of await fs.readdir(versions))
      if (`versions/${v}` !== from && v !== msg.version)
        await fs.rm(path.join(versions, v), { recursive: true, force: true });
    logger.info({ from, to: pending.to }, 'switched to the new version; restarting');
    this.switched = true;
    this.opts.restart();
  }

  private async download(msg: AgentUpgradeMessage, file: string): Promise<void> {
    const url = `${this.opts.hubUrl}${agentPackagePaths.download}?version=${encodeURIComponent(msg.version)}`;
    const res = await this.fetch(url, { headers: { authorization: this.auth() } });
    if (!res.ok || !res.body) throw new Error(`download of agent ${msg.version} failed: HTTP ${res.status}`);
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          size += chunk.length;
          if (size > msg.sizeBytes)
            return cb(new Error(`the package is larger than the ${msg.sizeBytes} bytes announced`));
          hash.update(chunk);
          cb(null, chunk);
        },
      }),
      createWriteStream(file),
    );
    const got = hash.digest('hex');
    if (got !== msg.sha256) throw new Error(`the downloaded package has sha256 ${got}, expected ${msg.sha256}`);
  }

  /** Same native dependencies as the running version: hard-link its node_modules; else npm installs them. */
  private async nativeDependencies(stage: string): Promise<void> {
    const current = path.join(this.opts.prefix, 'current');
    const deps = async (dir: string) =>
      JSON.stringify(
        (JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: unknown })
          .dependencies ?? {},
      );
    const same = await Promise.all([deps(current), deps(stage)]).then(
      ([a, b]) => a === b,
      () => false,
    );
    if (same) {
      await run('cp', ['-al', path.join(current, 'node_modules'), path.join(stage, 'node_modules')]).catch(() =>
        run('cp', ['-a', path.join(current, 'node_modules'), path.join(stage, 'node_modules')]),
      );
      return;
    }
    this.opts.logger.info('installing the new native dependencies with npm');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'npm',
        [
          'install',
          '--omit=dev',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          '--loglevel=error',
        ],
        { cwd: stage, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm install failed (${code}): ${err}`))));
    });
    // onnxruntime-node carries every platform; keep this one's.
    const ortBin = path.join(stage, 'node_modules/onnxruntime-node/bin');
    for (const napi of await fs.readdir(ortBin).catch(() => [] as string[]))
      for (const os of await fs.readdir(path.join(ortBin, napi)))
        if (os !== 'linux') await fs.rm(path.join(ortBin, napi, os), { recursive: true, force: true });
        else
          for (const arch of await fs.readdir(path.join(ortBin, napi, os)))
            if (arch !== process.arch) await fs.rm(path.join(ortBin, napi, os, arch), { recursive: true, force: true });
  }

  private async readPending(): Promise<PendingUpgrade | null> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.opts.prefix, PENDING_FILE), 'utf8')) as PendingUpgrade;
    } catch {
      return null;
    }
  }

  private writeReport(r: RolloutReport): Promise<void> {
    return writeFileAtomic(path.join(this.opts.prefix, REPORT_FILE), JSON.stringify(r), 0o600);
  }
}

/** Points `<prefix>/<name>` at `target` atomically (new link, then rename over the old). */
async function relink(prefix: string, name: string, target: string): Promise<void> {
  const tmp = path.join(prefix, `${name}.new`);
  await fs.rm(tmp, { force: true });
  await fs.symlink(target, tmp);
  await fs.rename(tmp, path.join(prefix, name));
}
