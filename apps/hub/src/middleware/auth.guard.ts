import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { roleAtLeast, type ApiRole } from '@fleetbench/protocol';
import { AuthService, type ApiPrincipal } from '../services/auth.service';
import { RateLimitService, type RateLimitScope } from '../services/rate-limit.service';
import { AppError } from '../utils/app-error';

export const AUTH_MODE = 'fleetbench:auth';
export type AuthMode = 'public' | 'api-or-agent';
const MIN_ROLE = 'fleetbench:min-role';
/** Routes reachable without an API token (health, enroll). */
export const Public = () => SetMetadata(AUTH_MODE, 'public' satisfies AuthMode);
/** Routes that also accept agent credentials as HTTP Basic (artifact downloads). */
export const ApiTokenOrAgent = () => SetMetadata(AUTH_MODE, 'api-or-agent' satisfies AuthMode);
/**
 * The least role a route needs. Without it: GET (and HEAD) needs viewer, every other method operator — so a new
 * write route is closed to viewers unless it says otherwise.
 */
export const MinRole = (role: ApiRole) => SetMetadata(MIN_ROLE, role);
/** Routes only admin tokens may call (API tokens, devices, enrollment). */
export const AdminOnly = () => MinRole('admin');

const RATE_LIMIT = 'fleetbench:rate-limit';
/** Every call of the route counts against `scope` per client address (checked before authentication and parsing). */
export const RateLimit = (scope: RateLimitScope) => SetMetadata(RATE_LIMIT, scope);

/** Where the guard leaves the caller's API principal on the request. */
const PRINCIPAL = Symbol('fleetbench:principal');
type RequestWithPrincipal = Request & { [PRINCIPAL]?: ApiPrincipal };

/** The API token principal of the request (routes behind the bearer guard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): ApiPrincipal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>()[PRINCIPAL];
  if (!principal) throw new AppError('unauthorized', 'Send a valid API token as `Authorization: Bearer <token>`.');
  return principal;
});

/** 403 unless the caller holds the admin token. */
export function requireAdmin(principal: ApiPrincipal, what: string): void {
  if (principal.role !== 'admin')
    throw new AppError('forbidden', `Only an admin token may ${what}; this one is ${principal.role}.`, {
      role: principal.role,
      needed: 'admin',
    });
}

/** Global guard: `Authorization: Bearer <api token>` unless the route says otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly limits: RateLimitService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH_MODE, [ctx.getHandler(), ctx.getClass()]);
    const req = ctx.switchToHttp().getRequest<RequestWithPrincipal>();
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const scope = this.reflector.get<RateLimitScope | undefined>(RATE_LIMIT, ctx.getHandler());
    if (scope) {
      const v = await this.limits.hit(scope, ip);
      if (!v.allowed) throw RateLimitService.tooMany(v.retryAfterS, `${scope} requests from this address`);
    }
    if (mode === 'public') return true;
    const header = req.headers.authorization ?? '';
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') {
      const principal = await this.auth.authenticateApiToken(value);
      if (principal) {
        if (mode === 'api-or-agent') await this.limitDownloads(`token:${principal.tokenId}`);
        const needed =
          this.reflector.getAllAndOverride<ApiRole | undefined>(MIN_ROLE, [ctx.getHandler(), ctx.getClass()]) ??
          (req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'operator');
        if (!roleAtLeast(principal.role, needed))
          throw new AppError(
            'forbidden',
            `This API token's role (${principal.role}) may not do this; it needs ${needed}. Ask an admin for a token with that role.`,
            { role: principal.role, needed },
          );
        req[PRINCIPAL] = principal;
        return true;
      }
    }
    if (mode === 'api-or-agent' && scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const agentId = i > 0 ? decoded.slice(0, i) : '';
      if (i > 0 && (await this.auth.verifyAgent(agentId, decoded.slice(i + 1), ip))) {
        await this.limitDownloads(`agent:${agentId}`);
        return true;
      }
      const wait = this.auth.agentAuthLimited(agentId, ip);
      if (wait) throw RateLimitService.tooMany(wait, 'failed agent credentials from this address or for this agent');
    } else if (scheme?.toLowerCase() === 'bearer') {
      // A wrong API token: limited per address, so guessing tokens (directly or through the dashboard's sign-in)
      // soon answers 429; valid tokens from the same address keep working.
      const v = await this.limits.hit('authFailureByIp', ip);
      if (!v.allowed) throw RateLimitService.tooMany(v.retryAfterS, 'wrong API tokens from this address');
    }
    throw new AppError(
      'unauthorized',
      mode === 'api-or-agent'
        ? 'Send an API token (Authorization: Bearer …) or the agent credentials (Authorization: Basic agentId:password); a revoked device’s credentials no longer work.'
        : 'Send a valid API token as `Authorization: Bearer <token>` (the admin token is printed at the hub’s first start or set with FLEETBENCH_ADMIN_TOKEN; named tokens stop working when revoked or expired).',
    );
  }

  private async limitDownloads(who: string): Promise<void> {
    const v = await this.limits.hit('download', who);
    if (!v.allowed) throw RateLimitService.tooMany(v.retryAfterS, 'artifact downloads');
  }
}
