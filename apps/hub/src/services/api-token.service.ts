import { Inject, Injectable } from '@nestjs/common';
import type { ApiToken as ApiTokenDto, CreateApiTokenRequest, CreatedApiToken, WhoAmI } from '@fleetbench/protocol';
import type { ApiToken } from '../../generated/prisma/client';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { TokenRepository } from '../repositories/token.repository';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';
import { randomSecret, sha256Hex } from '../utils/crypto';
import { API_TOKEN_PREFIX, AuthService, type ApiPrincipal } from './auth.service';

export function toApiTokenDto(t: ApiToken): ApiTokenDto {
  return {
    id: t.id,
    label: t.label,
    admin: t.admin,
    role: t.role,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
  };
}

/** Named API tokens besides the admin token: created (secret shown once, sha256 stored), listed, revoked. */
@Injectable()
export class ApiTokenService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly auth: AuthService,
    private readonly clock: ClockRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async create(req: CreateApiTokenRequest): Promise<CreatedApiToken> {
    const token = API_TOKEN_PREFIX + randomSecret(24);
    const expiresAt =
      req.expiresInDays === undefined ? null : new Date(this.clock.now().getTime() + req.expiresInDays * 86_400_000);
    const row = await this.tokens.createNamedApiToken({
      tokenHash: sha256Hex(token),
      label: req.label,
      role: req.role,
      expiresAt,
    });
    this.logger.info({ tokenId: row.id, label: row.label, role: row.role, expiresAt }, 'API token created');
    return { ...toApiTokenDto(row), token };
  }

  async whoami(principal: ApiPrincipal): Promise<WhoAmI> {
    const row = await this.tokens.findApiTokenById(principal.tokenId);
    if (!row) throw new AppError('unauthorized', 'This API token no longer exists.');
    return { tokenId: row.id, label: row.label, role: row.role };
  }

  async list(): Promise<ApiTokenDto[]> {
    return (await this.tokens.listApiTokens()).map(toApiTokenDto);
  }

  /** Revokes a named token at once (REST, tickets, open socket.io connections). The admin token cannot be. */
  async revoke(id: string): Promise<void> {
    const row = await this.tokens.findApiTokenById(id);
    if (!row) throw AppError.notFound('API token', id);
    if (row.admin)
      throw new AppError(
        'conflict',
        'The admin token cannot be deleted through the API; change FLEETBENCH_ADMIN_TOKEN (or the database) instead.',
      );
    await this.tokens.deleteApiToken(id);
    this.auth.apiTokenRevoked(id);
    this.logger.info({ tokenId: id, label: row.label }, 'API token revoked');
  }
}
