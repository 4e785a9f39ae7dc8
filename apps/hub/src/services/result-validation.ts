import type { ResultMessage } from '@fleetbench/protocol';

/** What the batch knows about a result's device and job (read once per batch, not per result). */
export interface ResultFacts {
  device: { id: string; hardwareClassId: string; revokedAt: Date | null };
  /** null: no job with the result's jobId. */
  job: { id: string; deviceId: string; modelId: string; settingsKey: string; state: string; attempts: number } | null;
}

export type ResultDecision = { accept: true } | { accept: false; reason: string };

/**
 * The one per-result check of the ingest path: a decoded result and the facts of its device and job → accept, or
 * a rejection reason (logged with the msgId; the agent gets a receipt and drops the result, nothing is stored).
 * Pure and synchronous, so it costs nothing per batch beyond the rules themselves. Result plausibility and job-state
 * rules (values, percentile order, current attempt) belong here.
 */
export function validateResult(_msg: ResultMessage, facts: ResultFacts): ResultDecision {
  if (!facts.job) return { accept: false, reason: 'result for an unknown job rejected' };
  if (facts.job.deviceId !== facts.device.id)
    return { accept: false, reason: 'result for a job of another device rejected' };
  return { accept: true };
}
