import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { BROKER_HOOK_SECRET_HEADER } from '@fleetbench/protocol';
import type { Request } from 'express';
import type { HubConfig } from '../config';
import { HUB_CONFIG } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { sha256Hex } from '../utils/crypto';

const digest = (value: string): Buffer => Buffer.from(sha256Hex(value), 'hex');

/**
 * Guards the broker hook routes (which are outside the bearer-token guard: the broker calls them): they exist only
 * when `FLEETBENCH_BROKER_HOOK_SECRET` is set (else 404 `not-found`), and every call must carry that secret in the
 * `x-fleetbench-hook-secret` header (else 401 `unauthorized`, whatever the body). The comparison is timing-safe and
 * length-blind (sha256 digests of both sides).
 */
@Injectable()
export class BrokerHookGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(HUB_CONFIG) config: Pick<HubConfig, 'brokerHookSecret'>) {
    this.expected = config.brokerHookSecret ? digest(config.brokerHookSecret) : null;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.expected)
      throw new AppError(
        'not-found',
        'Broker hooks are disabled on this hub: set FLEETBENCH_BROKER_HOOK_SECRET (at least 16 characters) and send ' +
          `the same value in the ${BROKER_HOOK_SECRET_HEADER} header (deploy/emqx/README.md).`,
      );
    const header = ctx.switchToHttp().getRequest<Request>().headers[BROKER_HOOK_SECRET_HEADER];
    if (typeof header !== 'string' || !timingSafeEqual(digest(header), this.expected))
      throw new AppError('unauthorized', 'Missing or wrong broker hook secret.');
    return true;
  }
}
