import type { Device, DeviceTelemetryEvent, Job } from '@fleetbench/protocol';
import { naturalCompareIgnoringCase } from '../../lib/collate';

/** Replace the device with the same id, or add it (a newly enrolled device). */
export function upsertDevice(devices: readonly Device[], device: Device): Device[] {
  const i = devices.findIndex((d) => d.id === device.id);
  if (i === -1) return [...devices, device];
  const next = devices.slice();
  next[i] = device;
  return next;
}

/** Attach the latest telemetry sample; a sample for an unknown device is ignored (device.updated will bring it). */
export function applyTelemetry(devices: readonly Device[], ev: DeviceTelemetryEvent): Device[] {
  const i = devices.findIndex((d) => d.id === ev.id);
  if (i === -1) return devices as Device[];
  const cur = devices[i]!;
  // Telemetry means the agent is talking to the broker right now.
  const lastSeenAt = cur.lastSeenAt && cur.lastSeenAt > ev.telemetry.ts ? cur.lastSeenAt : ev.telemetry.ts;
  const next = devices.slice();
  next[i] = { ...cur, telemetry: ev.telemetry, lastSeenAt };
  return next;
}

/** Online devices first, then by name (natural order: node-2 before node-10), then id. */
export function sortDevices(devices: readonly Device[]): Device[] {
  return devices
    .slice()
    .sort(
      (a, b) =>
        Number(b.online) - Number(a.online) || naturalCompareIgnoringCase(a.name, b.name) || a.id.localeCompare(b.id),
    );
}

export function summarizeFleet(devices: readonly Device[]): { total: number; online: number; busy: number } {
  return {
    total: devices.length,
    online: devices.filter((d) => d.online).length,
    busy: devices.filter((d) => d.currentJobId !== null).length,
  };
}

/** Index jobs by id, keeping the newest version of each (by updatedAt). */
export function upsertJob(jobs: ReadonlyMap<string, Job>, job: Job): Map<string, Job> {
  const cur = jobs.get(job.id);
  const next = new Map(jobs);
  if (!cur || cur.updatedAt <= job.updatedAt) next.set(job.id, job);
  return next;
}

/** "mobilenet_v2 · 42%" for a known job, the short id otherwise; null when idle. */
export function describeCurrentJob(
  jobId: string | null,
  jobs: ReadonlyMap<string, Job>,
): { label: string; state: string | null } | null {
  if (!jobId) return null;
  const job = jobs.get(jobId);
  if (!job) return { label: jobId.length > 10 ? `job …${jobId.slice(-8)}` : `job ${jobId}`, state: null };
  const progress = job.progress !== null && job.state === 'running' ? ` · ${Math.round(job.progress * 100)}%` : '';
  return { label: `${job.modelName}${progress}`, state: job.state };
}

/** Devices matching every given filter: a tag, a hardware class, online state. */
export function filterDevices(
  devices: readonly Device[],
  f: { tag?: string; hardwareClassId?: string; online?: boolean },
): Device[] {
  return devices.filter(
    (d) =>
      (!f.tag || d.tags.includes(f.tag)) &&
      (!f.hardwareClassId || d.hardwareClassId === f.hardwareClassId) &&
      (f.online === undefined || d.online === f.online),
  );
}

/** A value as one shell word: bare when it is plainly safe, else in single quotes. */
export function shellWord(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The one command a device runs to install the agent from the hub and enroll (deploy/agent/install.sh). */
export function installCommand(hubUrl: string, token: string, name?: string): string {
  const base = hubUrl.replace(/\/+$/, '');
  const extra = name?.trim() ? ` --name ${shellWord(name.trim())}` : '';
  return `curl -fsSL ${shellWord(`${base}/api/v1/agent/install.sh`)} | sudo bash -s -- --token ${shellWord(token)}${extra}`;
}

/** Comma/space separated tags from a form field, without empties and repeats. */
export function parseTags(v: string): string[] {
  return [
    ...new Set(
      v
        .split(/[\s,]+/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
