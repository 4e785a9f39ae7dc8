import type {
  AgentChannel,
  ChannelPayload,
  ModelArtifact,
  DatasetArtifact,
  PreprocessingSpec,
  ResultEnvironment,
  ResultMessage,
  ResultMetrics,
  BenchmarkSettings,
  Verdict,
} from '@fleetbench/protocol';

/** Small interfaces the agent core depends on; the daemon wires mqtt, onnxruntime and the file system behind them. */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type PublishChannel = Exclude<AgentChannel, 'jobs'>;

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

export interface Transport {
  /** Resolves once the broker acknowledged a QoS 1 message (PUBACK); rejects when it could not be delivered. */
  publish<C extends PublishChannel>(channel: C, payload: ChannelPayload<C>, opts: PublishOptions): Promise<void>;
}

export interface RunProgress {
  (progress: number, phase: string): void;
}

export interface RunRequest {
  modelPath: string;
  modelSha256: string;
  settings: BenchmarkSettings;
  /** FLOPs of one inference at batch 1 when known from the job; otherwise the runner counts them from the graph. */
  flops?: number | null;
  /** How dataset images become inputs (accuracy mode). */
  preprocessing?: PreprocessingSpec;
  /** Labeled dataset folder (accuracy mode); `sha256` is the artifact's when it came from the hub. */
  dataset?: { path: string; sha256?: string; labelsFile?: string };
  /** Accuracy mode: also return every image's top-5 (RunOutput.predictions), for per-image comparisons. */
  recordPredictions?: boolean;
  signal: AbortSignal;
  onProgress: RunProgress;
}

/** One image's top-5 class indices (after the label offset; −1 = the background class), for per-image checks. */
export interface ImagePrediction {
  /** Path relative to the dataset root. */
  file: string;
  label: number;
  top5: number[];
}

export interface RunOutput {
  metrics: ResultMetrics;
  /** Base64 compressed HDR histogram of every latency in µs. */
  histogram: string | null;
  environment: ResultEnvironment;
  verdict: Verdict;
  /** Accuracy runs with recordPredictions: every image's top-5 class indices (after the label offset). */
  predictions?: ImagePrediction[];
}

export interface ModelRunner {
  run(req: RunRequest): Promise<RunOutput>;
}

export interface ArtifactStore {
  /** Returns a local path whose content has the artifact's sha256. */
  fetch(model: ModelArtifact, signal: AbortSignal): Promise<string>;
  /** Downloads, verifies and unpacks a dataset; returns the folder of the unpacked dataset. */
  fetchDataset(dataset: DatasetArtifact, signal: AbortSignal): Promise<string>;
}

export interface OutboxStore {
  /** Durably stores a result (survives a crash right after it returns). */
  write(msg: ResultMessage): Promise<void>;
  /** Valid stored results, oldest first; unreadable ones are set aside. */
  list(): Promise<ResultMessage[]>;
  remove(msgId: string): Promise<void>;
}
