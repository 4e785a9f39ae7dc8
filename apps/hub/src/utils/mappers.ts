import type {
  BenchmarkSettings,
  Campaign as CampaignDto,
  Device as DeviceDto,
  Hardware,
  Job as JobDto,
  JobState,
  Model as ModelDto,
  Result as ResultDto,
  ResultListItem,
  SoftwareFingerprint,
} from '@fleetbench/protocol';
import { analyseModelIo, CreateCampaignRequestSchema } from '@fleetbench/protocol';
import { JOB_STATES } from './job-states';
import type { Campaign, Model } from '../../generated/prisma/client';
import type { DeviceRow } from '../repositories/device.repository';
import type { JobRow } from '../repositories/job.repository';
import type { ResultListRow, ResultRow } from '../repositories/result.repository';

/** Database rows → protocol read models (the only shapes that leave the hub). */
export function toDeviceDto(d: DeviceRow): DeviceDto {
  return {
    id: d.id,
    name: d.name,
    tags: d.tags,
    online: d.online,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    enrolledAt: d.enrolledAt.toISOString(),
    hardwareClassId: d.hardwareClassId,
    hardwareClassName: d.hardwareClass.name,
    hardware: d.hardware as unknown as Hardware,
    software: d.software as unknown as SoftwareFingerprint,
    currentJobId: d.currentJobId,
    revokedAt: d.revokedAt?.toISOString() ?? null,
    telemetry: (d.telemetry as DeviceDto['telemetry']) ?? null,
  };
}

export function toModelDto(m: Model): ModelDto {
  return {
    id: m.id,
    name: m.name,
    family: m.family,
    source: m.source,
    sha256: m.sha256,
    sizeBytes: Number(m.sizeBytes),
    inputs: m.inputs as ModelDto['inputs'],
    outputs: m.outputs as ModelDto['outputs'],
    preprocessing: (m.preprocessing as ModelDto['preprocessing']) ?? null,
    referenceMetrics: (m.referenceMetrics as ModelDto['referenceMetrics']) ?? null,
    flops: m.flops,
    createdAt: m.createdAt.toISOString(),
    ...(m.recipe ? { recipe: m.recipe as unknown as NonNullable<ModelDto['recipe']> } : {}),
    // Recorded at registration; models registered before that get them from their stored signature.
    ioFacts:
      (m.ioFacts as ModelDto['ioFacts']) ??
      analyseModelIo(m.inputs as ModelDto['inputs'], m.outputs as ModelDto['outputs']),
  };
}

export function toJobDto(j: Omit<JobRow, 'model' | 'dataset'> & { model: { name: string } }): JobDto {
  return {
    id: j.id,
    campaignId: j.campaignId,
    deviceId: j.deviceId,
    modelId: j.modelId,
    modelName: j.model.name,
    settings: j.settings as unknown as BenchmarkSettings,
    settingsKey: j.settingsKey,
    state: j.state,
    attempts: j.attempts,
    progress: j.progress,
    error: (j.error as JobDto['error']) ?? null,
    updatedAt: j.updatedAt.toISOString(),
  };
}

/** The stored create request, read back through the protocol schema (null when it no longer parses). */
function storedCampaignRequest(request: unknown): CampaignDto['request'] {
  const parsed = CreateCampaignRequestSchema.safeParse(request);
  return parsed.success ? parsed.data : null;
}

export function toCampaignDto(c: Campaign, counts: Partial<Record<JobState, number>>, jobs?: JobRow[]): CampaignDto {
  const jobCounts = Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as Record<JobState, number>;
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    createdAt: c.createdAt.toISOString(),
    jobCounts,
    ...(jobs ? { jobs: jobs.map(toJobDto) } : {}),
    request: storedCampaignRequest(c.request),
  };
}

/** A result in a list: every field but the histogram. */
export function toResultListItem(r: ResultListRow): ResultListItem {
  return {
    id: r.id,
    msgId: r.msgId,
    jobId: r.jobId,
    deviceId: r.deviceId,
    deviceName: r.device.name,
    hardwareClassId: r.hardwareClassId,
    modelId: r.modelId,
    modelName: r.model.name,
    settingsKey: r.settingsKey,
    settings: r.settings as unknown as ResultDto['settings'],
    metrics: r.metrics as unknown as ResultDto['metrics'],
    environment: r.environment as unknown as ResultDto['environment'],
    verdict: { status: r.verdictStatus, reasons: r.verdictReasons as unknown as ResultDto['verdict']['reasons'] },
    createdAt: r.createdAt.toISOString(),
  };
}

export function toResultDto(r: ResultRow): ResultDto {
  return { ...toResultListItem(r), histogram: r.histogram };
}
