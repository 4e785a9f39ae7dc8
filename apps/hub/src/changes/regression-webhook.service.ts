import { createHmac } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { RegressionWebhookPayload, WebhookSetting, WebhookSettingRequest } from '@fleetbench/protocol';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { LOGGER } from '../repositories/tokens';
import { ChangeRepository } from './change.repository';
import { toChangeDto } from './change-dto';

/** Waits after the 1st, 2nd, … failed call; after the last the regression stays undelivered (listed with its error). */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
/** How often every replica looks for due deliveries (a new regression is sent at once by the replica that found it). */
export const WEBHOOK_SWEEP_MS = 15_000;
/** A claimed delivery is this replica's for so long; a replica that dies mid-call leaves it due again after. */
const CLAIM_LEASE_MS = 60_000;
const CALL_TIMEOUT_MS = 10_000;

/** Where a URL points, without credentials, path or query (they may hold tokens): what the logs may show. */
const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
};

/**
 * Calls the admin's webhook for each regression: POST of {@link RegressionWebhookPayload}, signed with
 * `x-fleetbench-signature: sha256=<HMAC-SHA256 of the body>` when a secret is set, `x-fleetbench-delivery: <change
 * id>` so a receiver can drop a repeat (delivery is at least once). Failures are retried with backoff from the
 * database, so a restart or another replica carries on.
 */
@Injectable()
export class RegressionWebhookService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly changes: ChangeRepository,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.poke(), WEBHOOK_SWEEP_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  async get(): Promise<WebhookSetting> {
    const w = await this.changes.webhookSummary();
    return { url: w?.url ?? null, secretSet: w?.secretSet ?? false, updatedAt: w?.updatedAt.toISOString() ?? null };
  }

  async set(req: WebhookSettingRequest): Promise<WebhookSetting> {
    await this.changes.setWebhook({ url: req.url, secret: req.secret ?? null });
    this.logger.info({ webhook: originOf(req.url), signed: !!req.secret }, 'regression webhook set');
    return this.get();
  }

  async clear(): Promise<void> {
    await this.changes.setWebhook(null);
    this.logger.info('regression webhook removed');
  }

  /** When a regression found now is first sent: now, or null when no webhook is set. */
  async firstAttemptAt(): Promise<Date | null> {
    return (await this.changes.webhook()) ? this.clock.now() : null;
  }

  /** Sweeps soon (coalesced: one sweep at a time, one more after it when poked meanwhile). */
  poke(): void {
    if (this.sweeping) {
      this.again = true;
      return;
    }
    void this.sweep();
  }

  /** Delivers what is due now; resolves with the number of calls that succeeded. */
  sweep(): Promise<number> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = this.deliverDue()
      .catch((err: unknown) => {
        this.logger.error({ err }, 'regression webhook sweep failed');
        return 0;
      })
      .finally(() => {
        this.sweeping = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
    return this.sweeping;
  }

  private async deliverDue(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const due = await this.changes.claimDue(this.clock.now(), CLAIM_LEASE_MS, 20);
      if (!due.length) return delivered;
      let hook: Awaited<ReturnType<ChangeRepository['webhook']>>;
      try {
        hook = await this.changes.webhook();
      } catch (err) {
        // A signing secret this hub cannot decrypt: never call unsigned; retry later (another replica may hold the key).
        for (const row of due) await this.changes.markFailed(row.id, (err as Error).message, this.retryAt(row));
        return delivered;
      }
      for (const row of due) {
        const attempt = row.notifyAttempts + 1;
        if (!hook) {
          await this.changes.markFailed(row.id, 'no webhook set', null);
          continue;
        }
        const body = JSON.stringify({
          event: 'regression',
          change: toChangeDto(row),
        } satisfies RegressionWebhookPayload);
        const error = await this.call(hook.url, hook.secret, row.id, body);
        if (error === null) {
          await this.changes.markDelivered(row.id, this.clock.now());
          delivered++;
          continue;
        }
        const retryAt = this.retryAt(row);
        await this.changes.markFailed(row.id, error, retryAt);
        this.logger.warn(
          { changeId: row.id, webhook: originOf(hook.url), attempt, error, retryAt: retryAt?.toISOString() ?? null },
          retryAt ? 'regression webhook call failed; will retry' : 'regression webhook call failed; giving up',
        );
      }
    }
  }

  /** When to try a change's call again after a failed attempt; null once the retries are used up. */
  private retryAt(row: { notifyAttempts: number }): Date | null {
    const delay = WEBHOOK_RETRY_DELAYS_MS[row.notifyAttempts];
    return delay === undefined ? null : new Date(this.clock.now().getTime() + delay);
  }

  /** One POST; null on a 2xx answer, else what went wrong (no secret, no URL beyond its origin). */
  private async call(url: string, secret: string | null, changeId: string, body: string): Promise<string | null> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'fleetbench-hub',
      'x-fleetbench-event': 'regression',
      'x-fleetbench-delivery': changeId,
    };
    if (secret) headers['x-fleetbench-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.ok ? null : `HTTP ${res.status}`;
    } catch (err) {
      // fetch wraps the socket error ("fetch failed"); its cause says what happened (ECONNREFUSED, bad port, …).
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') return `no answer within ${CALL_TIMEOUT_MS / 1000} s`;
      return (e.cause?.code ?? e.cause?.message ?? e.message).slice(0, 200);
    }
  }
}
