import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { apiPaths } from '@fleetbench/protocol';
import { ConfigError, loadAgentConfig, parseEnv, resolveDataDir } from './config';
import { probeHardware } from './probe/hardware.probe';
import { readCpuFrequencyMHz, readCpuTimes, readThermalZones, readVmHwmBytes } from './probe/run-environment';
import { loadSharp } from './accuracy/preprocess';
import { energyProbes, openEnergy } from './probe/energy/energy';
import { diagnoseProviders, loaderLibraries, tinySession } from './runner/provider-diagnosis';
import { loadOrt } from './runner/ort';
import { bindingDir, listProviders, nativeBackends } from './runner/providers';
import { findTool } from './runner/external-runner';
import { AGENT_VERSION, onnxruntimeVersion } from './version';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

export interface DoctorOptions {
  configFlag?: string;
  env?: NodeJS.ProcessEnv;
  /** ms per network check */
  timeoutMs?: number;
}

/** Every check the agent can make about this device, each with what is wrong and what to do. */
export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorCheck['status'], detail: string) => checks.push({ name, status, detail });
  const timeoutMs = opts.timeoutMs ?? 3000;

  const hw = await probeHardware().catch(() => null);
  if (hw)
    add(
      'hardware',
      'ok',
      `${hw.cpu.model} · ${hw.cpu.arch} · ${hw.cpu.logicalCores} logical cores · ${(hw.memoryBytes / 2 ** 30).toFixed(1)} GiB · ${hw.os.distro} ${hw.os.release}`,
    );
  else add('hardware', 'warn', 'the hardware probe failed; enrollment will report less detail');

  add('agent', 'ok', `fleetbench-agent ${AGENT_VERSION}, Node ${process.versions.node}`);
  try {
    loadOrt();
    add('onnxruntime', 'ok', `onnxruntime-node ${onnxruntimeVersion()}`);
  } catch (err) {
    add(
      'onnxruntime',
      'fail',
      `onnxruntime-node cannot be loaded (${(err as Error).message.split('\n')[0]}); reinstall the agent for this platform.`,
    );
  }
  const providers = listProviders();
  const usable = providers.filter((p) => p.usable).map((p) => p.name);
  const missing = providers.filter((p) => !p.usable).map((p) => p.name);
  add(
    'execution providers',
    usable.length ? 'ok' : 'fail',
    `usable: ${usable.join(', ') || 'none'}${missing.length ? `; known but not installed: ${missing.join(', ')}` : ''}`,
  );
  // GPU providers (issue 13): what is missing, by file and soname, when one does not load.
  const gpu = await diagnoseProviders({
    backends: (nativeBackends() ?? []).filter((b) => !b.bundled),
    binDir: bindingDir(),
    systemLibs: loaderLibraries(),
    trySession: tinySession,
  });
  for (const p of gpu)
    add(`provider ${p.name}`, p.loads ? 'ok' : 'warn', p.loads ? p.detail : `unavailable: ${p.detail}`);
  for (const provider of ['cpu', ...gpu.filter((p) => p.loads).map((p) => p.name)]) {
    const energy = await openEnergy(energyProbes(provider));
    if ('meter' in energy) {
      add(`energy (${provider} runs)`, 'ok', `${energy.source}: ${energy.meter.scope}`);
    } else {
      const reasons = energy.status === 'unavailable' ? energy.reasons : [];
      add(
        `energy (${provider} runs)`,
        'warn',
        `unavailable: ${reasons.map((r) => `${r.source}: ${r.reason}`).join('; ')}`,
      );
    }
  }
  try {
    const sharp = loadSharp() as unknown as { versions: { sharp?: string; vips: string } };
    add(
      'image library',
      'ok',
      `sharp ${sharp.versions.sharp ?? ''} (libvips ${sharp.versions.vips}) for accuracy runs`,
    );
  } catch (err) {
    add(
      'image library',
      'warn',
      `sharp cannot be loaded (${(err as Error).message.split('\n')[0]}); accuracy jobs will fail, latency jobs work.`,
    );
  }
  for (const tool of ['trtexec', 'onnxruntime_perf_test'] as const) {
    const found = await findTool(tool);
    add(
      tool,
      found ? 'ok' : 'warn',
      found ? `found at ${found}` : 'not installed (optional; jobs that ask for it fail)',
    );
  }

  const times = readCpuTimes();
  add(
    'CPU load measurement',
    times ? 'ok' : 'warn',
    times ? '/proc/stat readable: the busy rule works' : 'no /proc/stat: the busy rule cannot be applied',
  );
  const mhz = readCpuFrequencyMHz();
  add(
    'CPU frequency',
    mhz ? 'ok' : 'warn',
    mhz ? `${mhz} MHz now` : 'not exposed: the throttling rule uses temperature only',
  );
  const zones = readThermalZones();
  add(
    'temperature',
    zones.length ? 'ok' : 'warn',
    zones.length
      ? zones.map((z) => `${z.name} ${z.tempC} °C${z.tripsC.length ? ` (trips ${z.tripsC.join('/')})` : ''}`).join(', ')
      : 'no thermal zones exposed (common in VMs): temperature and trip points are not recorded',
  );
  add(
    'peak memory',
    readVmHwmBytes() ? 'ok' : 'warn',
    readVmHwmBytes() ? 'VmHWM available: exact peak RSS' : 'sampled RSS only',
  );

  let config: Awaited<ReturnType<typeof loadAgentConfig>> | null = null;
  try {
    config = await loadAgentConfig({ configFlag: opts.configFlag, env: opts.env });
    add(
      'config',
      'ok',
      `${config.configPath}: agent ${config.agentId}${config.peakGflops ? `, peak ${config.peakGflops} GFLOP/s` : ''}`,
    );
  } catch (err) {
    add(
      'config',
      'warn',
      err instanceof ConfigError
        ? `not enrolled (${err.problems[0]}); run fleetbench-agent enroll --hub URL --token TOKEN`
        : String(err),
    );
  }
  const dataDir = config?.dataDir ?? resolveDataDir(undefined, parseEnv(opts.env ?? process.env));
  try {
    await fs.mkdir(dataDir, { recursive: true });
    const probe = path.join(dataDir, `.doctor-${process.pid}`);
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe);
    const st = await fs.statfs(dataDir).catch(() => null);
    const free = st ? (st.bavail * st.bsize) / 2 ** 30 : null;
    add(
      'data folder',
      free !== null && free < 1 ? 'warn' : 'ok',
      `${dataDir} writable${free !== null ? `, ${free.toFixed(1)} GiB free` : ''}`,
    );
  } catch (err) {
    add(
      'data folder',
      'fail',
      `${dataDir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set FLEETBENCH_AGENT_DATA_DIR.`,
    );
  }
  if (config) {
    const url = `${config.hubUrl}${apiPaths.health}`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      add('hub', res.ok ? 'ok' : 'fail', `${url} answered HTTP ${res.status}`);
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      add('hub', 'fail', `${url} is not reachable (${cause}); check the hub URL and that the hub runs.`);
    }
    const broker = new URL(config.mqtt.url.replace(/^tcp:/, 'mqtt:'));
    const port =
      Number(broker.port) ||
      (/^(mqtts|ssl):/.test(config.mqtt.url)
        ? 8883
        : /^wss:/.test(config.mqtt.url)
          ? 443
          : /^ws:/.test(config.mqtt.url)
            ? 80
            : 1883);
    const reachable = await tcpReachable(broker.hostname, port, timeoutMs);
    add(
      'broker',
      reachable === true ? 'ok' : 'fail',
      reachable === true
        ? `${broker.hostname}:${port} accepts connections`
        : `${broker.hostname}:${port} is not reachable (${reachable}); check the broker address and firewall.`,
    );
  }
  return checks;
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (r: true | string) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done(true));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

export function formatDoctor(checks: DoctorCheck[]): string {
  const mark = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed ? `${failed} problem(s) need attention.` : 'No problems found.');
  return `${lines.join('\n')}\n`;
}
