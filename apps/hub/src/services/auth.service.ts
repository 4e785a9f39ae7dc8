import { Inject, Injectable } from '@nestjs/common';
import { AgentIdSchema } from '@fleetbench/protocol';
import type { BrokerCredentialVerifier, BrokerPrincipal } from '../broker/broker.types';
import { DeviceRepository } from '../repositories/device.repository';
import { HUB_MQTT_USERNAME, RUNTIME, type HubRuntime } from '../repositories/runtime';
import { TokenRepository } from '../repositories/token.repository';
import { hashPassword, randomSecret, safeEqual, sha256Hex, verifyPassword } from '../utils/crypto';

export const API_TOKEN_PREFIX = 'fbt_';

/** API tokens (REST, socket.io), agent credentials (artifacts) and the broker's credential checks. */
@Injectable()
export class AuthService implements BrokerCredentialVerifier {
  /** sha256(agentId:password) of recently verified agent credentials, so downloads do not pay scrypt each time. */
  private readonly agentCache = new Map<string, number>();

  constructor(
    private readonly tokens: TokenRepository,
    private readonly devices: DeviceRepository,
    @Inject(RUNTIME) private readonly runtime: Pick<HubRuntime, 'hubBrokerPassword'>,
  ) {}

  /** Stores the configured admin token, or creates one on first start. `token` is set only when newly generated. */
  async ensureAdminToken(configured: string | null): Promise<{ generated: boolean; token: string | null }> {
    if (configured) {
      await this.tokens.createApiToken(sha256Hex(configured), 'admin (FLEETBENCH_ADMIN_TOKEN)');
      return { generated: false, token: null };
    }
    if ((await this.tokens.countApiTokens()) > 0) return { generated: false, token: null };
    const token = API_TOKEN_PREFIX + randomSecret(24);
    await this.tokens.createApiToken(sha256Hex(token), 'admin (generated at first start)');
    return { generated: true, token };
  }

  async verifyApiToken(token: string | undefined | null): Promise<boolean> {
    if (!token) return false;
    return this.tokens.hasApiToken(sha256Hex(token));
  }

  async verifyAgent(agentId: string, password: string): Promise<boolean> {
    if (!AgentIdSchema.safeParse(agentId).success || !password) return false;
    const key = sha256Hex(`${agentId}:${password}`);
    const cachedUntil = this.agentCache.get(key);
    if (cachedUntil && cachedUntil > Date.now()) return true;
    const hash = await this.devices.getPasswordHash(agentId);
    if (!hash || !(await verifyPassword(password, hash))) return false;
    if (this.agentCache.size > 1000) this.agentCache.clear();
    this.agentCache.set(key, Date.now() + 5 * 60_000);
    return true;
  }

  /** BrokerCredentialVerifier: the hub's own client or an enrolled agent. */
  async verify(username: string, password: string): Promise<BrokerPrincipal | null> {
    if (username === HUB_MQTT_USERNAME)
      return safeEqual(password, this.runtime.hubBrokerPassword) ? { kind: 'hub' } : null;
    return (await this.verifyAgent(username, password)) ? { kind: 'agent', agentId: username } : null;
  }

  hashAgentPassword(password: string): Promise<string> {
    return hashPassword(password);
  }
}
