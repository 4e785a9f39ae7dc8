import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Logger } from '../logger';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

/**
 * What is limited, per key (a client IP or an agent id), in a sliding window: guessing credentials costs the hub a
 * database look-up and a hash each, so failures are limited (valid credentials keep working); enrollment attempts
 * and artifact downloads are limited outright. Counters live in @nestjs/throttler's in-memory storage (per hub
 * replica), which forgets idle keys, so a flood of made-up keys does not grow memory for long.
 */
export const RATE_LIMITS = {
  /** POST agents/enroll attempts per client IP. */
  enroll: { limit: 30, windowMs: 60_000 },
  /** Failed API tokens or agent passwords (REST, MQTT, EMQX hooks) per client IP. */
  authFailureByIp: { limit: 30, windowMs: 60_000 },
  /** Failed passwords per agent id (a guesser spreading over many IPs). */
  authFailureByAgent: { limit: 10, windowMs: 60_000 },
  /** Artifact downloads per caller (agent id or API token) — enough for a job's model and dataset many times over. */
  download: { limit: 120, windowMs: 60_000 },
} as const;
export type RateLimitScope = keyof typeof RATE_LIMITS;

export interface RateLimitVerdict {
  allowed: boolean;
  /** Seconds until the next attempt may succeed (0 when allowed). */
  retryAfterS: number;
}

@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly storage = new ThrottlerStorageService();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** Counts one event of `scope` for `key`; not allowed once the window holds `limit` of them. */
  async hit(scope: RateLimitScope, key: string): Promise<RateLimitVerdict> {
    const { limit, windowMs } = RATE_LIMITS[scope];
    // blockDuration 0: the window itself is the penalty; a client that stops is admitted as its hits expire.
    const r = await this.storage.increment(`${scope}:${key}`, windowMs, limit, 0, scope);
    if (!r.isBlocked) return { allowed: true, retryAfterS: 0 };
    this.logger.warn({ scope, key: scope.startsWith('authFailure') ? key : undefined }, 'rate limit reached');
    return { allowed: false, retryAfterS: Math.max(1, r.timeToBlockExpire) };
  }

  /** Whether `key` is over its limit now, without counting. */
  exceeded(scope: RateLimitScope, key: string): RateLimitVerdict {
    const record = this.storage.storage.get(`${scope}:${key}`);
    const hits = record?.totalHits.get(scope) ?? 0;
    if (hits < RATE_LIMITS[scope].limit) return { allowed: true, retryAfterS: 0 };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((record!.expiresAt - Date.now()) / 1000)) };
  }

  /** 429 `too-many-requests` with the Retry-After the error filter sends along. */
  static tooMany(retryAfterS: number, what: string): AppError {
    return new AppError('too-many-requests', `Too many ${what}; retry in ${retryAfterS} s.`, { retryAfterS });
  }

  onModuleDestroy(): void {
    this.storage.onApplicationShutdown();
  }
}
