import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  assessChange,
  BenchmarkSettingsSchema,
  changedParts,
  describeChange,
  type Hardware,
  type HubEventPayloads,
  type ResultEnvironment,
  type ResultMetrics,
  type SoftwareFingerprintParts,
} from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { EventRepository } from '../repositories/event.repository';
import { LOGGER } from '../repositories/tokens';
import { ChangeRepository } from './change.repository';
import { RegressionWebhookService } from './regression-webhook.service';
import { estimateOf, fingerprintOf } from './series-point';

/**
 * The regression watch: every stored result becomes a point of its series (model × hardware class × comparability
 * key) and is compared with the previous valid point of the same device. It listens to `results.created`, which
 * ingest emits once per batch after the batch committed, so ingest itself does not wait for it; a failure here is logged and loses
 * only the point (the result is stored). Points are handled one at a time, so two results of one device arriving
 * back to back compare in order.
 */
@Injectable()
export class ChangeWatchService implements OnModuleInit, OnModuleDestroy {
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly changes: ChangeRepository,
    private readonly events: EventRepository,
    private readonly webhook: RegressionWebhookService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onAny((event, payload) => {
      if (event !== 'results.created') return;
      for (const r of (payload as HubEventPayloads['results.created']).results) void this.watch(r.id);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.chain;
  }

  /** Queues one stored result; resolves when it was handled (tests and the backfill await it). */
  watch(resultId: string): Promise<void> {
    const run = this.chain.then(() => this.handle(resultId));
    this.chain = run.catch((err: unknown) =>
      this.logger.error({ err, resultId }, 'regression watch failed for a result (stored; not compared)'),
    );
    return this.chain;
  }

  private async handle(resultId: string): Promise<void> {
    const r = await this.changes.watchedResult(resultId);
    if (!r) return;
    const settings = BenchmarkSettingsSchema.parse(r.settings);
    const environment = r.environment as unknown as ResultEnvironment;
    const { metric, estimate } = estimateOf({
      mode: settings.mode,
      metrics: r.metrics as unknown as ResultMetrics,
      histogram: r.histogram,
      environment,
    });
    const fingerprint = fingerprintOf(environment, (r.device.hardware as unknown as Hardware) ?? null);
    const series = {
      modelId: r.modelId,
      hardwareClassId: r.hardwareClassId,
      settingsKey: r.settingsKey,
      deviceId: r.deviceId,
    };
    const valid = r.verdictStatus === 'valid';
    // Read the baseline before writing this point, so a retry sees the same one.
    const previous = valid ? await this.changes.previousPoint({ ...series, measuredAt: r.measuredAt, resultId }) : null;
    await this.changes.insertPoint({
      resultId,
      ...series,
      measuredAt: r.measuredAt,
      valid,
      metric,
      value: estimate.value,
      low: estimate.low,
      high: estimate.high,
      fingerprint,
    });
    if (!previous || previous.metric !== metric) return;
    const assessment = assessChange(
      metric,
      { value: previous.value, low: previous.low, high: previous.high },
      estimate,
    );
    if (!assessment.kind) return;
    const parts = changedParts(previous.fingerprint as SoftwareFingerprintParts, fingerprint);
    const summary = describeChange(assessment, parts);
    // Regressions are delivered to the webhook set now; one set later does not receive the backlog.
    const firstTry = assessment.kind === 'regression' ? await this.webhook.firstAttemptAt() : null;
    const created = await this.changes.insertChange({
      resultId,
      baselineResultId: previous.resultId,
      ...series,
      metric,
      kind: assessment.kind,
      before: assessment.before,
      after: assessment.after,
      relative: assessment.relative,
      relativeLow: assessment.relativeLow,
      relativeHigh: assessment.relativeHigh,
      changedParts: parts,
      summary,
      measuredAt: r.measuredAt,
      nextNotifyAt: firstTry,
    });
    if (!created) return;
    this.logger.info({ changeId: created.id, kind: created.kind, resultId, summary }, 'performance change marked');
    if (firstTry) this.webhook.poke();
  }
}
