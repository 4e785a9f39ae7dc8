import { performance } from 'node:perf_hooks';
import type * as Hdr from 'hdr-histogram-js';
import type { BenchmarkSettings, SustainedSummary } from '@fleetbench/protocol';
import type { PeakRssMeter } from '../probe/run-environment';
import { AgentError } from '../util/errors';
import { summarizeSustained, type IntervalRecorder } from './sustained';

// The timed part of a latency or throughput run: warm-up, then the measured loop. What is timed is the caller's
// `runOnce` (one `session.run`), so the loop knows nothing of onnxruntime.

/** One measured loop: latencies and end times (ms since the loop started). */
export interface Measured {
  latencies: number[];
  endTimes: number[];
  elapsedMs: number;
  batch: number;
  /** Sustained runs: the recorded intervals. */
  sustained?: SustainedSummary | null;
}

export async function warmUp(
  runOnce: () => Promise<number>,
  settings: BenchmarkSettings,
  signal: AbortSignal,
  onProgress: (p: number) => void,
): Promise<void> {
  const start = performance.now();
  const minMs = settings.warmupDurationMs ?? 0;
  for (let i = 0; i < settings.warmupIterations || performance.now() - start < minMs; i++) {
    await runOnce();
    throwIfAborted(signal);
    onProgress(
      Math.min(
        1,
        settings.warmupIterations ? (i + 1) / settings.warmupIterations : 1,
        minMs ? (performance.now() - start) / minMs : 1,
      ),
    );
  }
}

/**
 * The timed loop: the timed region is exactly `await session.run(feeds)` (as a bare loop would time it); the
 * bookkeeping between two runs is outside it. Runs until both minIterations and minDurationMs are met, capped by
 * maxDurationMs.
 */
export async function measureLoop(
  runOnce: () => Promise<number>,
  settings: BenchmarkSettings,
  signal: AbortSignal,
  batch: number,
  histogram: Hdr.Histogram | null,
  rss: PeakRssMeter,
  onProgress: (p: number) => void,
  recorder: IntervalRecorder | null = null,
): Promise<Measured> {
  const sustainedMs = recorder ? settings.sustainedMs! : null;
  const latencies: number[] = [];
  const endTimes: number[] = [];
  const start = performance.now();
  let elapsed = 0;
  for (;;) {
    const ms = await runOnce();
    elapsed = performance.now() - start;
    latencies.push(ms);
    endTimes.push(elapsed);
    histogram?.recordValue(Math.max(1, Math.round(ms * 1000)));
    recorder?.add(ms, elapsed);
    const n = latencies.length;
    if ((n & 15) === 0) rss.sample();
    const done =
      sustainedMs !== null
        ? elapsed >= sustainedMs
        : (n >= settings.minIterations && elapsed >= settings.minDurationMs) || elapsed >= settings.maxDurationMs;
    if (done) break;
    if ((n & 7) === 0)
      onProgress(
        sustainedMs !== null
          ? Math.min(elapsed / sustainedMs, 0.99)
          : Math.min(
              n / settings.minIterations,
              settings.minDurationMs > 0 ? elapsed / settings.minDurationMs : 1,
              0.99,
            ),
      );
    throwIfAborted(signal);
  }
  rss.sample();
  const sustained = recorder
    ? summarizeSustained(recorder.finish(), elapsed / 1000, recorder.intervalMs / 1000)
    : undefined;
  return { latencies, endTimes, elapsedMs: elapsed, batch, sustained };
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason ?? new AgentError('cancelled', 'The run was aborted.');
}
