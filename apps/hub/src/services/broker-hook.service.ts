import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  AgentIdSchema,
  type EmqxAuthnRequest,
  type EmqxAuthnResponse,
  type EmqxAuthzRequest,
  type EmqxAuthzResponse,
} from '@fleetbench/protocol';
import { CONNECT_REFUSAL_MESSAGES, decideConnect, decideTopicAccess } from '../broker/broker-access';
import type { BrokerCredentialVerifier, BrokerPrincipal } from '../broker/broker.types';
import { describePrincipal } from '../broker/topic-acl';
import type { HubConfig } from '../config';
import type { Logger } from '../logger';
import { DeviceRepository } from '../repositories/device.repository';
import { HUB_MQTT_USERNAME } from '../repositories/runtime';
import { HUB_CONFIG, LOGGER } from '../repositories/tokens';
import { safeEqual } from '../utils/crypto';
import { AuthService } from './auth.service';

/** The hub's own account on an external broker: the credentials in `MQTT_URL` (username defaults to
 *  `fleetbench-hub`, as the hub's MQTT client does). Null when `MQTT_URL` is unset or carries no password. */
export function hubBrokerAccount(mqttUrl: string | null): { username: string; password: string } | null {
  if (!mqttUrl) return null;
  const u = new URL(mqttUrl);
  if (!u.password) return null;
  return { username: decodeURIComponent(u.username) || HUB_MQTT_USERNAME, password: decodeURIComponent(u.password) };
}

/** EMQX renders a placeholder the client did not send as an empty string (or null): both mean "not sent". */
const sent = (v: string | null | undefined): string | undefined => (v === null || v === '' ? undefined : v);

const ALLOW = 'allow' as const;
const DENY = 'deny' as const;

/**
 * EMQX's HTTP authentication and authorization, decided exactly as the embedded broker decides them
 * (broker/broker-access.ts + topic-acl.ts):
 * - authentication: the hub's credential verifier (AuthService: hashed agent passwords, revoked or deleted
 *   devices refused) for agents, the `MQTT_URL` credentials for the hub's own account; an agent's client id must be
 *   its agent id. Every refusal, unknown users included, is `deny` (never `ignore`), and nobody is a superuser.
 * - authorization: the principal comes from the username EMQX authenticated (the hub's account, or an agent whose
 *   client id is its id and whose device is still enrolled and not revoked), then topic-acl decides.
 * Devices are re-read from the database on each call (not from a per-replica cache), so a revocation made through any
 * hub replica holds on all of them at once.
 */
@Injectable()
export class BrokerHookService implements OnModuleInit {
  private readonly hubAccount: { username: string; password: string } | null;
  private readonly verifier: BrokerCredentialVerifier;

  constructor(
    private readonly auth: AuthService,
    private readonly devices: DeviceRepository,
    @Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'mqttUrl' | 'brokerHookSecret'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.hubAccount = hubBrokerAccount(config.mqttUrl);
    const hub = this.hubAccount;
    this.verifier = {
      verify: async (username, password) => {
        if (hub && username === hub.username) return safeEqual(password, hub.password) ? { kind: 'hub' } : null;
        // The embedded broker's hub account (random per process) never exists on an external broker.
        if (username === HUB_MQTT_USERNAME) return null;
        return this.auth.verify(username, password);
      },
    };
  }

  onModuleInit(): void {
    if (this.config.brokerHookSecret && !this.hubAccount)
      this.logger.warn(
        'broker hooks are enabled but MQTT_URL carries no password: the hub’s own MQTT account will be denied by EMQX; ' +
          'set MQTT_URL=mqtt://<hub user>:<password>@<broker>:1883',
      );
  }

  /** Device still enrolled and not revoked (its password hash is gone once revoked; the row is gone once deleted). */
  private async isInactive(agentId: string): Promise<boolean> {
    return (await this.devices.getPasswordHash(agentId)) === null;
  }

  async authenticate(req: EmqxAuthnRequest): Promise<EmqxAuthnResponse> {
    const clientId = req.clientid;
    const username = sent(req.username);
    const decision = await decideConnect(
      { clientId, username, password: sent(req.password) },
      this.verifier,
      (agentId) => this.isInactive(agentId),
    );
    if (decision.allowed) {
      this.logger.debug({ clientId, principal: describePrincipal(decision.principal) }, 'EMQX connect allowed');
      return { result: ALLOW, is_superuser: false };
    }
    this.logger.warn({ clientId, username, broker: 'emqx' }, CONNECT_REFUSAL_MESSAGES[decision.refusal]);
    return { result: DENY, is_superuser: false };
  }

  async authorize(req: EmqxAuthzRequest): Promise<EmqxAuthzResponse> {
    const principal = await this.principalOf(sent(req.username), req.clientid);
    if (principal && decideTopicAccess(principal, req.action, req.topic)) {
      this.logger.debug(
        { clientId: req.clientid, principal: describePrincipal(principal), action: req.action, topic: req.topic },
        'EMQX access allowed',
      );
      return { result: ALLOW };
    }
    this.logger.warn(
      {
        clientId: req.clientid,
        username: sent(req.username),
        principal: principal ? describePrincipal(principal) : 'unknown',
        topic: req.topic,
        broker: 'emqx',
      },
      `MQTT ${req.action} refused by ACL`,
    );
    return { result: DENY };
  }

  /** Who EMQX says is asking: it authenticated `username` through {@link authenticate}, so only the mapping and the
   *  device's current state are checked here (EMQX sends no password with authorization calls). */
  private async principalOf(username: string | undefined, clientId: string): Promise<BrokerPrincipal | null> {
    if (username === undefined) return null;
    if (this.hubAccount && username === this.hubAccount.username) return { kind: 'hub' };
    if (username === HUB_MQTT_USERNAME) return null;
    if (!AgentIdSchema.safeParse(username).success || clientId !== username) return null;
    if (await this.isInactive(username)) return null;
    return { kind: 'agent', agentId: username };
  }
}
