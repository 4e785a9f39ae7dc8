import type { Verdict } from '@fleetbench/protocol';

/**
 * Verdict rules (documented in apps/agent/README.md). Pure functions over measured inputs, so each rule can be
 * provoked deterministically in tests; the runner feeds them what it measured.
 */
export const VERDICT_RULES = {
  /** Other processes used more than this share of one core on average during the run (%). */
  busyOtherCpuPercent: 10,
  /** CPU frequency fell more than this fraction below its value at the start. */
  throttleFrequencyDrop: 0.1,
  /** Coefficient of variation of the per-second medians above this. */
  highVarianceCv: 0.1,
} as const;

export interface VerdictInputs {
  /** Measured samples (iterations) and the minimum the settings asked for. */
  samples: number;
  minSamples: number;
  /** Accuracy runs: evaluated and expected samples (null for latency runs). */
  accuracySamples?: { evaluated: number; expected: number } | null;
  /** Percentiles that have fewer than 10/(1−q) samples. */
  unreliable: readonly string[];
  maxDurationMs: number;
  otherProcessesCpuPercent: number | null;
  cpuFrequencyMHz: { before: number | null; after: number | null };
  thermalTripCrossed: boolean | null;
  temperatureC?: { before: number | null; after: number | null };
  /** Sustained runs (issue 13) measure throttling and drift on purpose: the result reports them instead of a flag. */
  sustained?: boolean;
  /** CV of the per-second medians; null when the run lasted under two seconds. */
  perSecondMedianCv: number | null;
  /** Accuracy runs: the figures and how many images got the same score for every class (issue 12). */
  accuracy?: {
    top1: number;
    top5: number;
    samples: number;
    constantScoreImages: number;
    /** Every image got exactly the same scores (the input never reached the output). */
    identicalOutputs: boolean;
  } | null;
}

type Reason = Verdict['reasons'][number];

export function tooFewSamplesRule(i: VerdictInputs): Reason | null {
  if (i.samples < i.minSamples)
    return {
      code: 'too-few-samples',
      detail: `only ${i.samples} of the required ${i.minSamples} iterations fit within maxDurationMs (${i.maxDurationMs} ms)`,
    };
  if (i.accuracySamples && i.accuracySamples.evaluated < i.accuracySamples.expected)
    return {
      code: 'too-few-samples',
      detail: `only ${i.accuracySamples.evaluated} of ${i.accuracySamples.expected} dataset samples were evaluated`,
    };
  // p50 needs 20 samples to be a trustworthy median (10/(1−0.5)); p90 needs 100.
  if (i.unreliable.includes('p50') || i.unreliable.includes('p90'))
    return {
      code: 'too-few-samples',
      detail: `${i.samples} samples are too few for a trustworthy ${i.unreliable.includes('p50') ? 'p50 (needs 20)' : 'p90 (needs 100)'}`,
    };
  return null;
}

export function busyRule(i: VerdictInputs): Reason | null {
  const other = i.otherProcessesCpuPercent;
  if (other === null || other <= VERDICT_RULES.busyOtherCpuPercent) return null;
  return {
    code: 'busy',
    detail: `other processes used ${other.toFixed(1)} % of one core on average during the run (limit ${VERDICT_RULES.busyOtherCpuPercent} %)`,
  };
}

export function throttledRule(i: VerdictInputs): Reason | null {
  if (i.sustained) return null;
  const { before, after } = i.cpuFrequencyMHz;
  if (before !== null && after !== null && before > 0 && after < before * (1 - VERDICT_RULES.throttleFrequencyDrop))
    return {
      code: 'throttled',
      detail: `CPU frequency fell from ${before} MHz to ${after} MHz (more than ${VERDICT_RULES.throttleFrequencyDrop * 100} %) during the run`,
    };
  if (i.thermalTripCrossed)
    return {
      code: 'throttled',
      detail: `a thermal trip point was crossed during the run${i.temperatureC?.after != null ? ` (${i.temperatureC.after} °C)` : ''}`,
    };
  return null;
}

export function highVarianceRule(i: VerdictInputs): Reason | null {
  const cv = i.perSecondMedianCv;
  if (i.sustained || cv === null || cv <= VERDICT_RULES.highVarianceCv) return null;
  return {
    code: 'high-variance',
    detail: `the per-second medians vary by ${(cv * 100).toFixed(1)} % (coefficient of variation; limit ${VERDICT_RULES.highVarianceCv * 100} %)`,
  };
}

/** Top-5 can never be below top-1: if it is, the scoring is broken and neither figure means anything. */
export function accuracyInconsistentRule(i: VerdictInputs): Reason | null {
  const a = i.accuracy;
  if (!a || a.top5 >= a.top1) return null;
  return {
    code: 'accuracy-inconsistent',
    detail: `top-5 (${(a.top5 * 100).toFixed(1)} %) is below top-1 (${(a.top1 * 100).toFixed(1)} %), which no correct scoring gives`,
  };
}

/**
 * Scores that carry no information: every class scored alike for an image (a dead or saturated output; ties then
 * rank by class index, so top-k would be the first classes), or the same scores for every image (the input does not
 * reach the output). Either makes top-k an artefact of tie-breaking.
 */
export function degenerateOutputRule(i: VerdictInputs): Reason | null {
  const a = i.accuracy;
  if (!a || a.samples === 0) return null;
  if (a.constantScoreImages > 0)
    return {
      code: 'degenerate-output',
      detail: `${a.constantScoreImages} of ${a.samples} images got the same score for every class`,
    };
  if (a.identicalOutputs && a.samples > 1)
    return { code: 'degenerate-output', detail: `all ${a.samples} images got exactly the same scores` };
  return null;
}

export function verdictOf(i: VerdictInputs): Verdict {
  const reasons = [
    tooFewSamplesRule,
    busyRule,
    throttledRule,
    highVarianceRule,
    accuracyInconsistentRule,
    degenerateOutputRule,
  ]
    .map((rule) => rule(i))
    .filter((r): r is Reason => r !== null);
  return { status: reasons.length ? 'flagged' : 'valid', reasons };
}
