import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  assessChange,
  BenchmarkSettingsSchema,
  type BenchmarkMode,
  changedParts,
  describeChange,
  type Hardware,
  type ResultEnvironment,
  type ResultMetrics,
  type ChangeMetric,
  type Estimate,
  type SoftwareFingerprintParts,
} from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { LOGGER } from '../repositories/tokens';
import {
  ChangeRepository,
  type BaselinePoint,
  type PreviousPointQuery,
  type SeriesPointRow,
  type WatchedResult,
} from './change.repository';
import { RegressionWebhookService } from './regression-webhook.service';
import { estimateOf, fingerprintOf } from './series-point';

/** The most results one watch batch takes when several are queued (ingest's batches are up to 500). */
export const WATCH_BATCH_MAX = 2000;

/**
 * The regression watch: every stored result becomes a point of its series (model × hardware class × comparability
 * key) and is compared with the previous valid point of the same device. Ingest hands it each batch's new results
 * ({@link watchStored}: the rows as ingest just wrote them, not read back) once the batch committed, so ingest itself
 * does not wait for it; a failure here is logged and loses only the points (the results are stored). A batch is
 * handled as one (one baseline query, one insert of its points; a read only of results queued by id), in order: a
 * point's baseline may be an earlier point of the same batch, exactly as if the points had been handled one at a
 * time. Batches are handled one at a time, in arrival order (those that arrive while one is handled are joined).
 */
@Injectable()
export class ChangeWatchService implements OnModuleDestroy {
  private chain: Promise<void> = Promise.resolve();
  /** The batch queued behind the one being handled, which later results join. */
  private waiting: { items: WatchItem[]; done: Promise<void> } | null = null;

  constructor(
    private readonly changes: ChangeRepository,
    private readonly webhook: RegressionWebhookService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.chain;
  }

  /** Queues one stored result; resolves when it was handled (tests and the backfill await it). */
  watch(resultId: string): Promise<void> {
    return this.watchMany([resultId]);
  }

  /**
   * Queues stored results by id (read when their batch is handled), compared in this order; resolves when they were
   * handled.
   */
  watchMany(resultIds: string[]): Promise<void> {
    return this.enqueue(resultIds);
  }

  /**
   * Queues results just stored, as stored (ingest's batch, in memory: nothing is read back), compared in this order;
   * resolves when they were handled.
   */
  watchStored(results: StoredResult[]): Promise<void> {
    // Each result becomes its point now, not when its batch's turn comes: what waits in the queue is a few numbers per
    // result instead of the whole message (under load it waited long enough to be copied by several young-generation
    // collections of the hub's heap).
    const points: WatchedPoint[] = [];
    for (const r of results) {
      const point = this.pointOrLog(r);
      if (point) points.push(point);
    }
    return this.enqueue(points);
  }

  /** The result's point; null (logged) when it cannot be one, e.g. settings stored unreadable. */
  private pointOrLog(r: StoredResult): WatchedPoint | null {
    try {
      return pointOf(r);
    } catch (err) {
      this.logger.error({ err, resultId: r.id }, 'regression watch failed for a result (stored; not compared)');
      return null;
    }
  }

  /**
   * Results queued while a batch is being handled join one waiting batch (up to {@link WATCH_BATCH_MAX}), so a
   * watch that fell behind catches up with fewer, larger statements.
   */
  private enqueue(items: WatchItem[]): Promise<void> {
    const waiting = this.waiting;
    if (waiting && waiting.items.length + items.length <= WATCH_BATCH_MAX) {
      waiting.items.push(...items);
      return waiting.done;
    }
    const batch = { items: [...items], done: Promise.resolve() };
    batch.done = this.chain
      .then(() => {
        if (this.waiting === batch) this.waiting = null;
        return this.handle(batch.items);
      })
      .catch((err: unknown) =>
        this.logger.error(
          { err, results: batch.items.length, resultId: idOf(batch.items[0]!) },
          `regression watch failed for ${batch.items.length === 1 ? 'a result' : `${batch.items.length} results`} (stored; not compared)`,
        ),
      );
    this.waiting = batch;
    this.chain = batch.done;
    return batch.done;
  }

  private async handle(items: WatchItem[]): Promise<void> {
    const resultIds = [...new Set(items.map(idOf))];
    if (!resultIds.length) return;
    const ready = new Map<string, WatchedPoint>();
    for (const item of items) if (typeof item !== 'string') ready.set(item.row.resultId, item);
    const unread = resultIds.filter((id) => !ready.has(id));
    if (unread.length)
      for (const r of await this.changes.watchedResults(unread)) {
        const point = this.pointOrLog(r);
        if (point) ready.set(r.id, point);
      }
    // Gone (deleted since) or not a point: left out.
    const points = resultIds.flatMap((id) => ready.get(id) ?? []);
    if (!points.length) return;
    // Baselines are read before this batch's points are written, so a retry sees the same ones.
    const stored = await this.storedBaselines(points.filter((p) => p.row.valid).map((p) => p.row));
    const baselines = baselinesInOrder(points, stored);
    await this.changes.insertPoints(points.map((p) => p.row));
    for (const [i, p] of points.entries()) {
      const previous = baselines[i];
      if (previous) await this.compare(p, previous);
    }
  }

  /**
   * Each row's stored baseline ({@link ChangeRepository.previousPoints}), with one probe per series and device of the
   * batch rather than one per row: the probe at the group's latest measuredAt finds the newest stored point before
   * it; when that point is older than the group's earliest row (or there is none), no stored point lies between, so it
   * is every row's answer. Otherwise (results measured out of order, a retried batch whose points are stored) the
   * group's rows are probed one by one.
   */
  private async storedBaselines(rows: PreviousPointQuery[]): Promise<(BaselinePoint | null)[]> {
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const key = seriesDeviceKey(r);
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const out: (BaselinePoint | null)[] = rows.map(() => null);
    const probes = [...groups.values()].map((members) => {
      const latest = members.reduce((a, i) => (rows[i]!.measuredAt > rows[a]!.measuredAt ? i : a));
      return { members, query: rows[latest]! };
    });
    const found = await this.changes.previousPoints(probes.map((g) => g.query));
    const oneByOne: number[] = [];
    probes.forEach(({ members }, g) => {
      const point = found[g] ?? null;
      if (members.length === 1) out[members[0]!] = point;
      else if (!point || members.every((i) => point.measuredAt < rows[i]!.measuredAt))
        for (const i of members) out[i] = point;
      else oneByOne.push(...members);
    });
    if (oneByOne.length) {
      const each = await this.changes.previousPoints(oneByOne.map((i) => rows[i]!));
      oneByOne.forEach((i, k) => (out[i] = each[k] ?? null));
    }
    return out;
  }

  private async compare(p: WatchedPoint, previous: BaselinePoint): Promise<void> {
    const { row, estimate } = p;
    const metric = row.metric as ChangeMetric;
    if (previous.metric !== metric) return;
    const assessment = assessChange(
      metric,
      { value: previous.value, low: previous.low, high: previous.high },
      estimate,
    );
    if (!assessment.kind) return;
    const parts = changedParts(previous.fingerprint as SoftwareFingerprintParts, p.fingerprint);
    const summary = describeChange(assessment, parts);
    // Regressions are delivered to the webhook set now; one set later does not receive the backlog.
    const firstTry = assessment.kind === 'regression' ? await this.webhook.firstAttemptAt() : null;
    const created = await this.changes.insertChange({
      resultId: row.resultId,
      baselineResultId: previous.resultId,
      modelId: row.modelId,
      hardwareClassId: row.hardwareClassId,
      settingsKey: row.settingsKey,
      deviceId: row.deviceId,
      metric,
      kind: assessment.kind,
      before: assessment.before,
      after: assessment.after,
      relative: assessment.relative,
      relativeLow: assessment.relativeLow,
      relativeHigh: assessment.relativeHigh,
      changedParts: parts,
      summary,
      measuredAt: row.measuredAt,
      nextNotifyAt: firstTry,
    });
    if (!created) return;
    this.logger.info(
      { changeId: created.id, kind: created.kind, resultId: row.resultId, summary },
      'performance change marked',
    );
    if (firstTry) this.webhook.poke();
  }
}

/** A result queued by id (read back when handled) or as stored (ingest's batch). */
/**
 * A result as ingest stored it; `mode` is its settings' mode where the caller validated the settings already (ingest
 * decoded the message with the protocol's schema), sparing the watch a parse of the whole settings per result.
 */
export type StoredResult = WatchedResult & { mode?: BenchmarkMode };

/** A result id (read when its batch is handled), or the point of a result ingest just stored. */
type WatchItem = string | WatchedPoint;
const idOf = (item: WatchItem) => (typeof item === 'string' ? item : item.row.resultId);

/** A result as a point of its series: the row to store, and what a comparison needs. */
interface WatchedPoint {
  row: SeriesPointRow & { fingerprint: SoftwareFingerprintParts };
  estimate: Estimate;
  fingerprint: SoftwareFingerprintParts;
}

function pointOf(r: StoredResult): WatchedPoint {
  const mode = r.mode ?? BenchmarkSettingsSchema.parse(r.settings).mode;
  const environment = r.environment as unknown as ResultEnvironment;
  const { metric, estimate } = estimateOf({
    mode,
    metrics: r.metrics as unknown as ResultMetrics,
    histogram: r.histogram,
    environment,
  });
  const fingerprint = fingerprintOf(environment, (r.device.hardware as unknown as Hardware) ?? null);
  return {
    row: {
      resultId: r.id,
      modelId: r.modelId,
      hardwareClassId: r.hardwareClassId,
      settingsKey: r.settingsKey,
      deviceId: r.deviceId,
      measuredAt: r.measuredAt,
      valid: r.verdictStatus === 'valid',
      metric,
      value: estimate.value,
      low: estimate.low,
      high: estimate.high,
      fingerprint,
    },
    estimate,
    fingerprint,
  };
}

/**
 * Each valid point's baseline as if the points were handled one at a time in this order, each written before the next
 * is read: the later (by measuredAt) of the stored baseline (`stored`, one per valid point, in order) and the newest
 * valid point of the same series and device earlier in the batch that was measured before it. Invalid points have none.
 */
export function baselinesInOrder(
  points: readonly Pick<WatchedPoint, 'row'>[],
  stored: readonly (BaselinePoint | null)[],
): (BaselinePoint | null)[] {
  /** Per series and device, the batch's valid points so far, sorted by measuredAt (as a rule each one appends). */
  const earlier = new Map<string, BaselinePoint[]>();
  let v = 0;
  return points.map(({ row }) => {
    if (!row.valid) return null;
    const key = seriesDeviceKey(row);
    let best = stored[v++] ?? null;
    let same = earlier.get(key);
    if (!same) earlier.set(key, (same = []));
    // The newest earlier point measured before this one (the same result twice in a batch is not its own baseline).
    const at = firstNotBefore(same, row.measuredAt);
    for (let i = at - 1; i >= 0; i--) {
      const e = same[i]!;
      if (e.resultId === row.resultId) continue;
      if (!best || e.measuredAt > best.measuredAt) best = e;
      break;
    }
    same.splice(at, 0, row);
    return best;
  });
}

/** Index of the first point of `sorted` (by measuredAt) measured at or after `t`. */
function firstNotBefore(sorted: readonly BaselinePoint[], t: Date): number {
  let lo = 0;
  let hi = sorted.length;
  // Results arrive in time order as a rule: the answer is then the end.
  if (hi === 0 || sorted[hi - 1]!.measuredAt < t) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.measuredAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One series (model × hardware class × comparability key) of one device. */
const seriesDeviceKey = (r: Pick<PreviousPointQuery, 'modelId' | 'hardwareClassId' | 'settingsKey' | 'deviceId'>) =>
  `${r.modelId}\u0000${r.hardwareClassId}\u0000${r.settingsKey}\u0000${r.deviceId}`;
