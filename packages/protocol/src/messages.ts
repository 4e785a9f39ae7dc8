import { z } from 'zod';
import { PreprocessingSpecSchema } from './preprocessing';
import { BenchmarkSettingsSchema } from './settings';
import { IdSchema, IsoTimestampSchema, LIMITS, Sha256Schema, UlidSchema, VersionSchema } from './version';

const Short = z.string().max(LIMITS.short);
const Message = z.string().max(LIMITS.message);

// ---- agent → hub ------------------------------------------------------------------------------------------------

/** Retained presence; the last will publishes the same shape with online=false. `session` lets the hub ignore a
 *  stale "offline" will that arrives after the agent already reconnected. */
export const StatusMessageSchema = z.object({
  v: VersionSchema,
  online: z.boolean(),
  /** Stored as a 32-bit integer. */
  session: z.number().int().nonnegative().max(2_147_483_647),
  ts: IsoTimestampSchema,
  currentJobId: IdSchema.nullable().optional(),
});
export type StatusMessage = z.infer<typeof StatusMessageSchema>;

export const TelemetryMessageSchema = z.object({
  v: VersionSchema,
  ts: IsoTimestampSchema,
  load1: z.number().nonnegative(),
  cpuPercent: z.number().min(0).max(100).nullable().default(null),
  temperatureC: z.number().nullable().default(null),
  cpuFrequencyMHz: z.number().nonnegative().nullable().default(null),
  memoryFreeBytes: z.number().nonnegative(),
});
export type TelemetryMessage = z.infer<typeof TelemetryMessageSchema>;

export const JobEventKindSchema = z.enum(['accepted', 'progress', 'failed', 'cancelled']);
export const JobEventMessageSchema = z.object({
  v: VersionSchema,
  ts: IsoTimestampSchema,
  jobId: IdSchema,
  kind: JobEventKindSchema,
  /** 0..1 for `progress`. */
  progress: z.number().min(0).max(1).optional(),
  phase: Short.optional(),
  /** Set for `failed`: a stable code and a sentence for the user. */
  error: z.object({ code: Short, message: Message }).optional(),
});
export type JobEventMessage = z.infer<typeof JobEventMessageSchema>;

export const LatencySummarySchema = z.object({
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p95: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  mean: z.number().nonnegative(),
  std: z.number().nonnegative(),
  min: z.number().nonnegative(),
  max: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
  /** Distribution-free 95% confidence interval of p50, when the sample count allows one. */
  p50Ci95: z.tuple([z.number(), z.number()]).nullable().default(null),
  /** Percentiles without enough samples to be trusted (q needs ≥ 10/(1−q) samples). */
  unreliable: z
    .array(z.enum(['p50', 'p90', 'p95', 'p99']))
    .max(4)
    .default([]),
});
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

// ---- accuracy scoring (issue 12) ------------------------------------------------------------------------------

/** How an accuracy run read the model: the input it fed, the output it scored, and the label offset and preset. */
export const AccuracyScoringSchema = z.object({
  /** Output scored, its shape as run (batch first), the class axis in it and its class count. */
  output: z.string(),
  outputShape: z.array(z.number().int()),
  classAxis: z.number().int().nonnegative(),
  classes: z.number().int().positive(),
  /** Why this output (the only one, the first with the label count, or --output). */
  outputChoice: z.string(),
  /** Class index = label + labelOffset; 1 for a background class at index 0 (1001 classes, 1000 labels). */
  labelOffset: z.number().int().nonnegative(),
  labelOffsetReason: z.string(),
  labels: z.number().int().positive(),
  preset: z.string().nullable(),
  input: z.object({
    name: z.string(),
    dtype: z.string(),
    layout: z.enum(['NCHW', 'NHWC']),
    channels: z.number().int(),
    crop: z.number().int().positive(),
    resizeShorter: z.number().int().positive(),
  }),
  /** Images whose class scores were all equal (the model said nothing about them). */
  constantScoreImages: z.number().int().nonnegative(),
});
export type AccuracyScoring = z.infer<typeof AccuracyScoringSchema>;

// ---- sustained runs and energy (issue 13) --------------------------------------------------------------------

/** One recorded interval of a sustained run; frequency and temperature are null where the OS does not expose them. */
export const SustainedIntervalSchema = z.object({
  /** Seconds from the start of the measured loop to the end of the interval. */
  endS: z.number().nonnegative(),
  iterations: z.number().int().nonnegative(),
  p50Ms: z.number().nonnegative().nullable(),
  throughputIps: z.number().nonnegative(),
  cpuFrequencyMHz: z.number().nonnegative().nullable(),
  temperatureC: z.number().nullable(),
});
export type SustainedInterval = z.infer<typeof SustainedIntervalSchema>;

export const SustainedSummarySchema = z.object({
  durationS: z.number().nonnegative(),
  intervalS: z.number().positive(),
  /** Throughput of the first interval (what a burst benchmark sees). */
  burstIps: z.number().nonnegative(),
  /** Median throughput of the intervals in the second half of the run (the steady state). */
  sustainedIps: z.number().nonnegative(),
  /** sustainedIps ÷ burstIps. */
  sustainedRatio: z.number().nonnegative(),
  /** The share of burst below which an interval counts as throttled (0.9). */
  throttleThreshold: z.number().min(0).max(1),
  /** Seconds from the start at which throughput fell below the threshold and stayed there; null: it never did. */
  throttledAtS: z.number().nonnegative().nullable(),
  intervals: z.array(SustainedIntervalSchema).max(1440),
});
export type SustainedSummary = z.infer<typeof SustainedSummarySchema>;

export const EnergySourceSchema = z.enum(['rapl', 'hwmon-energy', 'hwmon-power', 'ina3221', 'nvidia-smi']);
export type EnergySource = z.infer<typeof EnergySourceSchema>;

/** Energy of the measured loop from one source, or why no source could measure it. */
export const EnergyReadingSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    source: EnergySourceSchema,
    /** What the source covers, e.g. "package-0 + package-1 (CPU packages)", "GPU 0 (NVIDIA H100)", "VDD_IN rail". */
    scope: z.string().max(LIMITS.text),
    seconds: z.number().nonnegative(),
    joules: z.number().nonnegative(),
    averageWatts: z.number().nonnegative(),
    /** joules ÷ images inferred in the measured loop (iterations × batch). */
    joulesPerInference: z.number().nonnegative(),
  }),
  z.object({
    status: z.literal('unavailable'),
    /** Every source tried and why it could not measure (e.g. RAPL's energy_uj needs root since CVE-2020-8694). */
    reasons: z
      .array(z.object({ source: EnergySourceSchema, reason: Message }))
      .max(8)
      .default([]),
  }),
]);
export type EnergyReading = z.infer<typeof EnergyReadingSchema>;

export const ResultMetricsSchema = z.object({
  latencyMs: LatencySummarySchema,
  iterations: z.number().int().nonnegative(),
  throughputIps: z.number().nonnegative(),
  /** null: the runner cannot measure it (an external tool prints no such figure); never 0 for "unknown". */
  coldStart: z.object({
    sessionCreateMs: z.number().nonnegative().nullable(),
    firstInferenceMs: z.number().nonnegative().nullable(),
  }),
  /** Peak resident memory of the measuring process; null when the runner cannot see it (an external tool). */
  peakRssBytes: z.number().nonnegative().nullable(),
  top1: z.number().min(0).max(1).nullable().default(null),
  top5: z.number().min(0).max(1).nullable().default(null),
  accuracySamples: z.number().int().nonnegative().nullable().default(null),
  gflops: z.number().nonnegative().nullable().default(null),
  /** Optional: achieved GFLOP/s ÷ the device's measured peak (HardwareSchema.peakGflops). */
  peakShare: z.number().nonnegative().nullable().optional(),
  /** Optional: coefficient of variation of the per-second medians of the latency (the high-variance rule). */
  perSecondMedianCv: z.number().nonnegative().nullable().optional(),
  /** Optional, throughput mode: one entry per batch size of the sweep (the top-level figures are the largest). */
  throughputByBatch: z
    .array(
      z.object({
        batchSize: z.number().int().positive(),
        throughputIps: z.number().nonnegative(),
        iterations: z.number().int().nonnegative(),
        latencyMs: LatencySummarySchema,
      }),
    )
    .max(16)
    .optional(),
  /** Optional, accuracy mode: images/s of the whole accuracy run including preprocessing (end to end). */
  endToEndIps: z.number().nonnegative().nullable().optional(),
  /** Optional, accuracy mode (issue 12): what was scored and how (output, class axis, label offset, preset). */
  scoring: AccuracyScoringSchema.optional(),
  /** Optional, sustained runs (issue 13): the per-interval series and the sustained ÷ burst figures. */
  sustained: SustainedSummarySchema.optional(),
  /** Optional (issue 13): energy of the measured loop, or why it could not be measured. */
  energy: EnergyReadingSchema.optional(),
});
export type ResultMetrics = z.infer<typeof ResultMetricsSchema>;

export const ResultEnvironmentSchema = z.object({
  agentVersion: Short,
  nodeVersion: Short,
  onnxruntimeVersion: Short,
  executionProvider: Short,
  intraOpThreads: z.number().int().nonnegative(),
  interOpThreads: z.number().int().nonnegative(),
  modelSha256: Sha256Schema,
  datasetSha256: Sha256Schema.nullable().default(null),
  cpuFrequencyMHz: z
    .object({ before: z.number().nullable(), after: z.number().nullable() })
    .default({ before: null, after: null }),
  temperatureC: z
    .object({ before: z.number().nullable(), after: z.number().nullable() })
    .default({ before: null, after: null }),
  /** CPU time used by other processes during the run, in % of one core (from /proc/stat minus this process). */
  otherProcessesCpuPercent: z.number().nullable().default(null),
  /** Optional: true when a thermal zone crossed one of its trip points during the run. */
  thermalTripCrossed: z.boolean().nullable().optional(),
  /** Optional: what measured, e.g. onnxruntime-node, trtexec, onnxruntime_perf_test (absent = onnxruntime-node). */
  runner: Short.optional(),
  /** Optional: version of the external benchmark tool (trtexec's TensorRT version). */
  runnerVersion: z.string().max(LIMITS.text).nullable().optional(),
});
export type ResultEnvironment = z.infer<typeof ResultEnvironmentSchema>;

export const VerdictReasonSchema = z.enum([
  'busy',
  'throttled',
  'high-variance',
  'too-few-samples',
  // Added (issue 12): accuracy figures that cannot be right (top-5 below top-1; every class scored alike).
  'accuracy-inconsistent',
  'degenerate-output',
]);
export const VerdictSchema = z.object({
  status: z.enum(['valid', 'flagged']),
  reasons: z
    .array(z.object({ code: VerdictReasonSchema, detail: Message }))
    .max(8)
    .default([]),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const ResultMessageSchema = z.object({
  v: VersionSchema,
  /** ULID chosen by the agent when the result is written to its outbox; replays carry the same id. */
  msgId: UlidSchema,
  ts: IsoTimestampSchema,
  jobId: IdSchema,
  /** Optional: the job's attempt (JobAssignMessage.attempt) the result measured; the hub refuses a stale one. */
  attempt: z.number().int().positive().optional(),
  settings: BenchmarkSettingsSchema,
  metrics: ResultMetricsSchema,
  /** HDR histogram of every latency in µs, base64 (compressed encoding of hdr-histogram-js). */
  histogram: z.string().max(LIMITS.histogram).nullable().default(null),
  environment: ResultEnvironmentSchema,
  verdict: VerdictSchema,
});
export type ResultMessage = z.infer<typeof ResultMessageSchema>;

// ---- hub → agent ------------------------------------------------------------------------------------------------

/** A model of @fleetbench/zoo: the agent builds the bytes itself from it (deterministic) instead of downloading. */
export const ZooRecipeSchema = z.object({
  /** Catalogue name, e.g. MobileNetV3_small_x0_35. */
  name: z.string().min(1).max(200),
  /** Seed of the deterministic weights. */
  seed: z.number().int().min(0).max(0xffffffff),
  /** fp16 added (optional zoo variant): float16 weights, input and output. */
  variant: z.enum(['fp32', 'fp16']),
  /** The zoo's RECIPE_FORMAT when the hub hashed it; an agent whose zoo gives other bytes fails `checksum-mismatch`. */
  format: z.string().min(1),
});
export type ZooRecipe = z.infer<typeof ZooRecipeSchema>;

export const ModelArtifactSchema = z.object({
  modelId: z.string(),
  name: z.string(),
  sha256: Sha256Schema,
  sizeBytes: z.number().int().positive(),
  /** Path on the hub's REST API, relative to the hub URL the agent enrolled with. */
  downloadPath: z.string().startsWith('/'),
  /** Optional: FLOPs of one inference at batch 1 (multiply-add = 2), for achieved GFLOP/s. */
  flops: z.number().nonnegative().optional(),
  /** Optional: how dataset images become inputs (accuracy jobs). */
  preprocessing: PreprocessingSpecSchema.optional(),
  /** Optional: a zoo model. The agent builds it locally and verifies `sha256` (which covers the model bytes and, for
   *  models over 1 GiB of weights, each external data file's name, a 0 byte and its bytes; `sizeBytes` is their
   *  total); `downloadPath` is not used (the hub does not keep zoo bytes). */
  recipe: ZooRecipeSchema.optional(),
});
export type ModelArtifact = z.infer<typeof ModelArtifactSchema>;

/** A labeled image dataset packaged by the hub as one file (format documented in apps/agent/README.md). */
export const DatasetArtifactSchema = z.object({
  datasetId: z.string(),
  name: z.string(),
  sha256: Sha256Schema,
  sizeBytes: z.number().int().positive(),
  downloadPath: z.string().startsWith('/'),
  /** 'tar': ustar archive with labels.txt and images/<class>/<file> (see the agent README). */
  format: z.enum(['tar']).default('tar'),
});
export type DatasetArtifact = z.infer<typeof DatasetArtifactSchema>;

export const JobAssignMessageSchema = z.object({
  v: VersionSchema,
  kind: z.literal('assign'),
  ts: IsoTimestampSchema,
  jobId: z.string().min(1),
  campaignId: z.string(),
  attempt: z.number().int().positive(),
  model: ModelArtifactSchema,
  settings: BenchmarkSettingsSchema,
  /** Whole-job time limit; the agent stops the run and reports `failed` with code `timeout` past it. */
  timeoutMs: z.number().int().positive(),
  /** Optional: the labeled dataset of an accuracy job. */
  dataset: DatasetArtifactSchema.optional(),
});
export type JobAssignMessage = z.infer<typeof JobAssignMessageSchema>;

export const JobCancelMessageSchema = z.object({
  v: VersionSchema,
  kind: z.literal('cancel'),
  ts: IsoTimestampSchema,
  jobId: z.string().min(1),
});
export type JobCancelMessage = z.infer<typeof JobCancelMessageSchema>;

/**
 * Hub → agent on `jobs`: install this agent package version (rollouts, docs in deploy/agent/README.md). The agent
 * acts between jobs: downloads it from `GET /api/v1/agent/package?version=`, checks the sha256, switches its
 * `current` link and restarts; it reports the outcome to `POST /api/v1/agent/rollouts/report`.
 */
export const AgentUpgradeMessageSchema = z.object({
  v: VersionSchema,
  kind: z.literal('upgrade'),
  ts: IsoTimestampSchema,
  rolloutId: z.string().min(1).max(64),
  version: z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$/),
  sha256: Sha256Schema,
  sizeBytes: z.number().int().positive(),
  /** How long the new version has to come online before the agent switches back by itself. */
  confirmWithinMs: z.number().int().positive(),
});
export type AgentUpgradeMessage = z.infer<typeof AgentUpgradeMessageSchema>;

export const JobMessageSchema = z.discriminatedUnion('kind', [JobAssignMessageSchema, JobCancelMessageSchema]);
export type JobMessage = z.infer<typeof JobMessageSchema>;

/**
 * Hub → agent receipt: the hub is done with these results — committed in its database, or refused for good (unknown
 * job, a job of another device; logged by the hub) — so the agent may delete them from its outbox. The broker's PUBACK alone is not enough: a broker that crashes (kill -9, power loss) loses what it
 * acknowledged since its last save. Until the receipt the agent republishes them on every reconnect (the hub stores
 * on msgId, so a repeat changes nothing and is answered with a receipt again).
 */
export const ResultReceiptMessageSchema = z.object({
  v: VersionSchema,
  kind: z.literal('receipt'),
  ts: IsoTimestampSchema,
  msgIds: z.array(z.string().min(1).max(64)).min(1).max(1000),
});
export type ResultReceiptMessage = z.infer<typeof ResultReceiptMessageSchema>;

/** Everything the hub publishes on an agent's `jobs` topic: job messages, result receipts and upgrade commands. */
export const JobsTopicMessageSchema = z.discriminatedUnion('kind', [
  JobAssignMessageSchema,
  JobCancelMessageSchema,
  ResultReceiptMessageSchema,
  AgentUpgradeMessageSchema,
]);
export type JobsTopicMessage = z.infer<typeof JobsTopicMessageSchema>;
