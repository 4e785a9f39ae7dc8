/**
 * Starts a private Mosquitto 2 broker with the dynamic-security plugin for tests, in a fresh temp dir on a free
 * 127.0.0.1 port. It never touches a system Mosquitto (which may be running on 1883).
 *
 * Paths (Debian defaults; each can be overridden by an env var):
 *   broker   /usr/sbin/mosquitto                                   FLEETBENCH_MOSQUITTO_BIN
 *   ctrl     /usr/bin/mosquitto_ctrl                               FLEETBENCH_MOSQUITTO_CTRL
 *   plugin   /usr/lib/<multiarch>/mosquitto_dynamic_security.so   FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN
 *            (multiarch from process.arch, e.g. x86_64-linux-gnu, aarch64-linux-gnu; else any /usr/lib/<dir>/,
 *            /usr/lib, /usr/local/lib)
 * Files in the temp dir (`$TMPDIR/fleetbench-mosquitto-XXXXXX/`): mosquitto.conf, dynamic-security.json
 * (written by `mosquitto_ctrl dynsec init`, which works offline on a file), mosquitto.log.
 *
 * The admin account gets the dynsec `admin` role from `dynsec init` (control topics; receive/subscribe `#`) plus a
 * `fleetbench-hub` role (send/receive/subscribe `fleetbench/#`, subscribe `$share/#`), so the same account can be
 * the hub's MQTT_URL user, as in deploy/mosquitto/README.md.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startOnFreePort, stopChild } from './service-process';

export interface MosquittoInstance {
  url: string;
  port: number;
  admin: { username: string; password: string };
  /** The temp dir holding mosquitto.conf, dynamic-security.json and mosquitto.log. */
  dir: string;
  /** Everything Mosquitto logged so far. */
  log(): Promise<string>;
  /**
   * Stops the broker (SIGTERM: graceful, it saves its persistence file; SIGKILL: a crash, only the last autosave
   * survives) and starts it again on the same port with the same files.
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /**
   * Persistence on, as deployed (deploy/mosquitto/mosquitto.conf): retained messages, sessions, subscriptions and
   * queued QoS 1 messages kept in `dir` across restarts, saved every `autosaveInterval` seconds (and on SIGTERM).
   */
  persistence?: boolean;
  autosaveInterval?: number;
}

export const MOSQUITTO_ADMIN_USERNAME = 'fleetbench-hub';
export const HUB_ROLE = 'fleetbench-hub';

const MULTIARCH: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  arm: 'arm-linux-gnueabihf',
  ia32: 'i386-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

export function mosquittoBinary(): string {
  return process.env.FLEETBENCH_MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
}

export function mosquittoCtrlBinary(): string {
  return process.env.FLEETBENCH_MOSQUITTO_CTRL ?? '/usr/bin/mosquitto_ctrl';
}

/** Finds mosquitto_dynamic_security.so; null when it is not installed. */
export function findDynsecPlugin(): string | null {
  const name = 'mosquitto_dynamic_security.so';
  const fromEnv = process.env.FLEETBENCH_MOSQUITTO_DYNSEC_PLUGIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  const candidates: string[] = [];
  const multiarch = MULTIARCH[process.arch];
  if (multiarch) candidates.push(`/usr/lib/${multiarch}/${name}`);
  try {
    for (const entry of readdirSync('/usr/lib', { withFileTypes: true })) {
      if (entry.isDirectory() && /-linux-gnu(eabihf)?$/.test(entry.name)) {
        candidates.push(`/usr/lib/${entry.name}/${name}`);
      }
    }
  } catch {
    // no /usr/lib: fall through
  }
  candidates.push(`/usr/lib/${name}`, `/usr/local/lib/${name}`, `/usr/lib/mosquitto/${name}`);
  return candidates.find((candidate) => existsSync(candidate)) ?? null;
}

/** Why Mosquitto with dynsec cannot run here, or null when it can. Tests skip with this message. */
export function mosquittoUnavailableReason(): string | null {
  if (!existsSync(mosquittoBinary())) return `${mosquittoBinary()} is missing (apt-get install mosquitto)`;
  if (!existsSync(mosquittoCtrlBinary()))
    return `${mosquittoCtrlBinary()} is missing (apt-get install mosquitto-clients)`;
  if (!findDynsecPlugin())
    return 'mosquitto_dynamic_security.so is missing (it ships with the Debian mosquitto package)';
  return null;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

interface DynsecAcl {
  acltype: string;
  topic: string;
  allow: boolean;
  priority?: number;
}

/** Adds the fleetbench-hub role to the dynsec file written by `mosquitto_ctrl dynsec init`. */
async function addHubRole(dynsecFile: string, adminUsername: string): Promise<void> {
  const config = JSON.parse(await readFile(dynsecFile, 'utf8')) as {
    clients: { username: string; roles?: { rolename: string; priority?: number }[] }[];
    roles: { rolename: string; acls: DynsecAcl[] }[];
  };
  const acls: DynsecAcl[] = [
    { acltype: 'publishClientSend', topic: 'fleetbench/#', allow: true },
    { acltype: 'publishClientReceive', topic: 'fleetbench/#', allow: true },
    { acltype: 'subscribePattern', topic: 'fleetbench/#', allow: true },
    { acltype: 'subscribePattern', topic: '$share/#', allow: true },
    { acltype: 'unsubscribePattern', topic: '#', allow: true },
  ];
  config.roles.push({ rolename: HUB_ROLE, acls });
  const admin = config.clients.find((c) => c.username === adminUsername);
  if (!admin) throw new Error(`dynsec init did not create ${adminUsername} in ${dynsecFile}`);
  admin.roles = [...(admin.roles ?? []), { rolename: HUB_ROLE }];
  await writeFile(dynsecFile, JSON.stringify(config, null, 2), { mode: 0o600 });
}

/** A numeric setting of deploy/mosquitto/mosquitto.conf. */
export function deployedSetting(name: string): number {
  const conf = readFileSync(path.join(__dirname, '../../deploy/mosquitto/mosquitto.conf'), 'utf8');
  const m = new RegExp(`^${name}\\s+(\\d+)\\s*$`, 'm').exec(conf);
  if (!m) throw new Error(`deploy/mosquitto/mosquitto.conf sets no ${name}`);
  return Number(m[1]);
}

/** `max_queued_messages` of deploy/mosquitto/mosquitto.conf, so the test broker queues exactly as a deployed one. */
export function deployedMaxQueuedMessages(): number {
  const conf = readFileSync(path.join(__dirname, '../../deploy/mosquitto/mosquitto.conf'), 'utf8');
  const m = /^max_queued_messages\s+(\d+)\s*$/m.exec(conf);
  if (!m) throw new Error('deploy/mosquitto/mosquitto.conf sets no max_queued_messages');
  return Number(m[1]);
}

/** `max_packet_size` of deploy/mosquitto/mosquitto.conf, so the test broker refuses what a deployed one refuses. */
export function deployedMaxPacketSize(): number {
  const conf = readFileSync(path.join(__dirname, '../../deploy/mosquitto/mosquitto.conf'), 'utf8');
  const m = /^max_packet_size\s+(\d+)\s*$/m.exec(conf);
  if (!m) throw new Error('deploy/mosquitto/mosquitto.conf sets no max_packet_size');
  return Number(m[1]);
}

/** A hub's environment for this broker: its own account, dynamic security (one client per agent), agents on it. */
export function dynsecHubEnv(broker: MosquittoInstance): Record<string, string> {
  return {
    MQTT_URL: `mqtt://${broker.admin.username}:${broker.admin.password}@127.0.0.1:${broker.port}`,
    FLEETBENCH_MQTT_DYNSEC: '1',
    FLEETBENCH_MQTT_PUBLIC_URL: `mqtt://127.0.0.1:${broker.port}`,
  };
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoInstance> {
  const unavailable = mosquittoUnavailableReason();
  if (unavailable) throw new Error(`cannot start Mosquitto: ${unavailable}`);
  const plugin = findDynsecPlugin() as string;

  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleetbench-mosquitto-'));
  const dynsecFile = path.join(dir, 'dynamic-security.json');
  const confFile = path.join(dir, 'mosquitto.conf');
  const logFile = path.join(dir, 'mosquitto.log');
  const admin = { username: MOSQUITTO_ADMIN_USERNAME, password: randomBytes(12).toString('hex') };

  try {
    await run(mosquittoCtrlBinary(), ['dynsec', 'init', dynsecFile, admin.username, admin.password]);
    await addHubRole(dynsecFile, admin.username);

    const log = () => readFile(logFile, 'utf8').catch(() => '');
    const spawnOn = (p: number): ChildProcess => {
      const conf = [
        'per_listener_settings false',
        'allow_anonymous false',
        `listener ${p} 127.0.0.1`,
        `plugin ${plugin}`,
        `plugin_opt_config_file ${dynsecFile}`,
        ...(opts.persistence
          ? ['persistence true', `persistence_location ${dir}/`, `autosave_interval ${opts.autosaveInterval ?? 1}`]
          : ['persistence false']),
        `log_dest file ${logFile}`,
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        'connection_messages true',
        // As deployed (deploy/mosquitto/mosquitto.conf): results queued for a hub that falls behind are never dropped.
        `max_queued_messages ${deployedMaxQueuedMessages()}`,
        `max_inflight_messages ${deployedSetting('max_inflight_messages')}`,
        // As deployed: no client may send a packet over the limit (a 5 MB hostname, a 100 MB "result").
        `max_packet_size ${deployedMaxPacketSize()}`,
        // As root, Mosquitto would switch to the `mosquitto` user, which cannot write the dynsec file in our temp dir.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n');
      writeFileSync(confFile, conf, { mode: 0o600 });
      return spawn(mosquittoBinary(), ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    const service = await startOnFreePort({ name: 'mosquitto', dir, spawn: spawnOn, ready: canConnect, log });
    const { port } = service;
    let child = service.child;
    const restart = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill(signal);
        await exited;
      }
      for (let attempt = 0; ; attempt++) {
        child = spawnOn(port);
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && child.exitCode === null && !(await canConnect(port)))
          await new Promise((r) => setTimeout(r, 50));
        if (child.exitCode === null && (await canConnect(port))) return;
        // The port may linger for a moment after a kill: try again.
        if (attempt >= 20) throw new Error(`mosquitto did not restart on ${port}:\n${await log()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    return {
      url: `mqtt://127.0.0.1:${port}`,
      port,
      admin,
      dir,
      log,
      restart,
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
