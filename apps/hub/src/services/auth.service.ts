import { Inject, Injectable, Optional } from '@nestjs/common';
import { AgentIdSchema, type ApiRole, type SocketTicket } from '@fleetbench/protocol';
import type { BrokerCredentialVerifier, BrokerPrincipal } from '../broker/broker.types';
import type { Logger } from '../logger';
import { ClockRepository } from '../repositories/clock.repository';
import { DeviceRepository } from '../repositories/device.repository';
import { HUB_MQTT_USERNAME, RUNTIME, type HubRuntime } from '../repositories/runtime';
import { TokenRepository } from '../repositories/token.repository';
import { LOGGER } from '../repositories/tokens';
import {
  hashSecret,
  isScryptHash,
  randomSecret,
  SECRET_MIN_CHARS,
  safeEqual,
  sha256Hex,
  verifyPassword,
} from '../utils/crypto';
import { RateLimitService } from './rate-limit.service';

export const API_TOKEN_PREFIX = 'fbt_';
export const SOCKET_TICKET_PREFIX = 'fbs_';
/** How long a socket.io ticket may wait for its (single) use. */
export const SOCKET_TICKET_TTL_MS = 60_000;
/** Unused tickets kept at most (oldest dropped first), so a ticket loop cannot grow the table. */
export const SOCKET_TICKET_MAX = 10_000;
/** Agent credentials verified recently, kept at most (a fleet's worth; about 200 bytes each). */
const AGENT_CACHE_MAX = 50_000;
/** lastUsedAt of an API token is written at most this often (not on every request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Who a valid API token (or a socket.io ticket minted with one) belongs to. */
export interface ApiPrincipal {
  tokenId: string;
  /** The bootstrap admin token (FLEETBENCH_ADMIN_TOKEN / generated), which the API cannot delete. */
  admin: boolean;
  /** What the token may do (routes declare the least role they need). */
  role: ApiRole;
}

/** API tokens (REST, socket.io), socket.io tickets, agent credentials (artifacts) and the broker's credential checks. */
@Injectable()
export class AuthService implements BrokerCredentialVerifier {
  /**
   * sha256(agentId:password) → agent id, the password hash it was checked against and expiry, so downloads do not pay
   * scrypt each time. A hit still reads the stored hash (one indexed query), so a device revoked through another hub
   * replica is refused at once.
   */
  private readonly agentCache = new Map<string, { agentId: string; hash: string; until: number }>();
  private readonly revokedListeners = new Set<(tokenId: string) => void>();

  constructor(
    private readonly tokens: TokenRepository,
    private readonly devices: DeviceRepository,
    private readonly clock: ClockRepository,
    @Inject(RUNTIME) private readonly runtime: Pick<HubRuntime, 'hubBrokerPassword'>,
    @Inject(LOGGER) private readonly logger: Logger,
    /** Limits on failed credentials; absent in unit tests that do not exercise them. */
    @Optional() private readonly limits?: RateLimitService,
  ) {}

  /**
   * Stores the configured admin token, or creates one on first start. `token` is set only when newly generated.
   * A configured token is the only admin token: one configured or generated before stops working, so changing
   * FLEETBENCH_ADMIN_TOKEN and restarting rotates it (named API tokens are kept).
   */
  async ensureAdminToken(configured: string | null): Promise<{ generated: boolean; token: string | null }> {
    if (configured) {
      const hash = sha256Hex(configured);
      await this.tokens.createAdminToken(hash, 'admin (FLEETBENCH_ADMIN_TOKEN)');
      const replaced = await this.tokens.deleteOtherAdminTokens(hash);
      if (replaced > 0)
        this.logger.info({ replaced }, 'FLEETBENCH_ADMIN_TOKEN replaced the previous admin token; it no longer works');
      return { generated: false, token: null };
    }
    if ((await this.tokens.countAdminTokens()) > 0) return { generated: false, token: null };
    const token = API_TOKEN_PREFIX + randomSecret(24);
    await this.tokens.createAdminToken(sha256Hex(token), 'admin (generated at first start)');
    return { generated: true, token };
  }

  /** The token's principal, or null when it is unknown, revoked or expired. Records lastUsedAt (coarsely). */
  async authenticateApiToken(token: string | undefined | null): Promise<ApiPrincipal | null> {
    if (!token) return null;
    const row = await this.tokens.findApiToken(sha256Hex(token));
    if (!row) return null;
    const now = this.clock.now();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      this.tokens
        .touchApiToken(row.id, now)
        .catch((err: unknown) => this.logger.warn({ err, tokenId: row.id }, 'could not record API token use'));
    }
    return { tokenId: row.id, admin: row.admin, role: row.role };
  }

  async verifyApiToken(token: string | undefined | null): Promise<boolean> {
    return (await this.authenticateApiToken(token)) !== null;
  }

  /**
   * A single-use socket.io ticket for `principal`, valid {@link SOCKET_TICKET_TTL_MS}; only its sha256 is kept, in the
   * database, so that any hub replica can redeem it (once).
   */
  async issueSocketTicket(principal: ApiPrincipal): Promise<SocketTicket> {
    const now = this.clock.now();
    const ticket = SOCKET_TICKET_PREFIX + randomSecret(24);
    const expiresAt = new Date(now.getTime() + SOCKET_TICKET_TTL_MS);
    await this.tokens.createSocketTicket(
      { ticketHash: sha256Hex(ticket), tokenId: principal.tokenId, expiresAt },
      now,
      SOCKET_TICKET_MAX,
    );
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  /** Uses up a ticket: its principal when it is known, unexpired and its API token still valid; else null. */
  async redeemSocketTicket(ticket: string | undefined | null): Promise<ApiPrincipal | null> {
    if (!ticket) return null;
    const tokenId = await this.tokens.consumeSocketTicket(sha256Hex(ticket), this.clock.now());
    if (!tokenId) return null;
    const row = await this.tokens.findApiTokenById(tokenId);
    if (!row || (row.expiresAt && row.expiresAt.getTime() <= this.clock.now().getTime())) return null;
    return { tokenId: row.id, admin: row.admin, role: row.role };
  }

  /**
   * Called by the API token service after a DELETE (which cascades to its tickets): tells listeners (the socket.io
   * gateway, whose `disconnectSockets` reaches every replica through the Redis adapter).
   */
  apiTokenRevoked(tokenId: string): void {
    for (const l of this.revokedListeners) {
      try {
        l(tokenId);
      } catch (err) {
        this.logger.error({ err, tokenId }, 'API token revocation listener failed');
      }
    }
  }

  onApiTokenRevoked(listener: (tokenId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  /**
   * Agent credentials (artifact downloads, the broker's logins): one indexed read of the stored hash and a salted
   * SHA-256 (hashSecret), so a fleet reconnecting at once costs the hub microseconds per agent, also after a hub
   * restart. A device enrolled before that still has an scrypt hash: checked once with scrypt, then replaced by the
   * fast one. Failures are limited per agent id and per client address: over the limit, a password not verified
   * recently is refused without checking it (valid cached credentials still pass) — see {@link agentAuthLimited}.
   */
  async verifyAgent(agentId: string, password: string, ip?: string): Promise<boolean> {
    if (!AgentIdSchema.safeParse(agentId).success || !password) return this.failed(agentId, ip);
    const key = sha256Hex(`${agentId}:${password}`);
    const hash = await this.devices.getPasswordHash(agentId); // null for unknown and revoked devices
    if (!hash) return this.failed(agentId, ip);
    const cached = this.agentCache.get(key);
    if (cached && cached.until > Date.now() && cached.hash === hash) return true;
    if (this.agentAuthLimited(agentId, ip)) return false;
    if (!(await verifyPassword(password, hash))) return this.failed(agentId, ip);
    const current = isScryptHash(hash) ? await this.replaceScryptHash(agentId, hash, password) : hash;
    if (this.agentCache.size > AGENT_CACHE_MAX) this.agentCache.clear();
    this.agentCache.set(key, { agentId, hash: current, until: Date.now() + 5 * 60_000 });
    return true;
  }

  /** The fast hash of a password just verified against its scrypt hash, stored unless the hash changed meanwhile. */
  private async replaceScryptHash(agentId: string, scrypt: string, password: string): Promise<string> {
    if (password.length < SECRET_MIN_CHARS) return scrypt; // not one the hub generated: keep the slow hash
    const fast = hashSecret(password);
    try {
      return (await this.devices.replacePasswordHash(agentId, scrypt, fast)) ? fast : scrypt;
    } catch (err) {
      this.logger.warn({ err, agentId }, 'agent password hash not upgraded; checked with scrypt until it is');
      return scrypt;
    }
  }

  /** Whether failed attempts for this agent id or from this address are over their limit (seconds to wait, or 0). */
  agentAuthLimited(agentId: string, ip?: string): number {
    if (!this.limits) return 0;
    const byAgent = this.limits.exceeded('authFailureByAgent', agentId);
    const byIp = ip ? this.limits.exceeded('authFailureByIp', ip) : { allowed: true, retryAfterS: 0 };
    return Math.max(byAgent.retryAfterS, byIp.retryAfterS);
  }

  /** Counts a failed attempt (per agent id and address); always false. */
  private async failed(agentId: string, ip?: string): Promise<false> {
    if (this.limits) {
      if (AgentIdSchema.safeParse(agentId).success) await this.limits.hit('authFailureByAgent', agentId);
      if (ip) await this.limits.hit('authFailureByIp', ip);
    }
    return false;
  }

  /** Forgets cached credentials of a (revoked) agent, so the next check goes to the database. */
  forgetAgent(agentId: string): void {
    for (const [key, v] of this.agentCache) if (v.agentId === agentId) this.agentCache.delete(key);
  }

  /** BrokerCredentialVerifier: the hub's own client or an enrolled agent. */
  async verify(username: string, password: string, source?: { ip?: string }): Promise<BrokerPrincipal | null> {
    if (username === HUB_MQTT_USERNAME)
      return safeEqual(password, this.runtime.hubBrokerPassword) ? { kind: 'hub' } : null;
    return (await this.verifyAgent(username, password, source?.ip)) ? { kind: 'agent', agentId: username } : null;
  }

  hashAgentPassword(password: string): string {
    return hashSecret(password);
  }
}
