import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AuthService } from '../services/auth.service';
import { AppError } from '../utils/app-error';

export const AUTH_MODE = 'fleetbench:auth';
export type AuthMode = 'public' | 'api-or-agent';
/** Routes reachable without an API token (health, enroll). */
export const Public = () => SetMetadata(AUTH_MODE, 'public' satisfies AuthMode);
/** Routes that also accept agent credentials as HTTP Basic (artifact downloads). */
export const ApiTokenOrAgent = () => SetMetadata(AUTH_MODE, 'api-or-agent' satisfies AuthMode);

/** Global guard: `Authorization: Bearer <api token>` unless the route says otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_MODE, [ctx.getHandler(), ctx.getClass()]);
    if (mode === 'public') return true;
    const header = ctx.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && (await this.auth.verifyApiToken(value))) return true;
    if (mode === 'api-or-agent' && scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0 && (await this.auth.verifyAgent(decoded.slice(0, i), decoded.slice(i + 1)))) return true;
    }
    throw new AppError(
      'unauthorized',
      mode === 'api-or-agent'
        ? 'Send an API token (Authorization: Bearer …) or the agent credentials (Authorization: Basic agentId:password).'
        : 'Send a valid API token as `Authorization: Bearer <token>` (the admin token is printed at the hub’s first start or set with FLEETBENCH_ADMIN_TOKEN).',
    );
  }
}
