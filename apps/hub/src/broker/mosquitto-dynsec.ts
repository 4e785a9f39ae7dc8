/**
 * Broker authorities: keep the broker's own credential store in step with enrolled agents.
 *
 * - {@link NoopBrokerAuthority}: the embedded aedes broker asks the hub's verifier on every connect, so there is
 *   nothing to provision.
 * - {@link DynsecBrokerAuthority}: Mosquitto 2 with the dynamic-security plugin. Commands go to
 *   `$CONTROL/dynamic-security/v1`; Mosquitto answers (to the sending client only) on
 *   `$CONTROL/dynamic-security/v1/response`, one response per command, matched here by `correlationData`.
 *
 * Per agent `{id}` it keeps a role `fleetbench-agent-{id}` (publishClientSend allow on the agent's five publish
 * topics; subscribePattern + publishClientReceive allow on its jobs topic) and a client with username = client id =
 * `{id}`, its password and that role. Everything else is left to the default ACL access of `dynsec init`
 * (publishClientSend and subscribe denied), so an agent can neither publish for another agent nor subscribe to
 * anything but its own jobs.
 *
 * Mosquitto 2.0.11 behaviours relied on (observed): `createRole`/`createClient` on an existing name fail with
 * "Role already exists" / "Client already exists"; `addRoleACL` of an existing (type, topic) fails with "ACL with this
 * topic already exists"; `addClientRole` of a role the client already has fails with "Internal error";
 * `deleteClient`/`deleteRole` of a missing name fail with "Client not found" / "Role not found";
 * `setClientPassword` and `deleteClient` disconnect the user's connected sessions.
 */
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { AgentIdSchema } from '@fleetbench/protocol';
import type { BrokerAuthority } from './broker.types';
import { agentPublishTopics, agentSubscribeTopic } from './topic-acl';

export const DYNSEC_CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = '$CONTROL/dynamic-security/v1/response';
/** Role given to the hub's own account by {@link DynsecBrokerAuthority.ensureHubAccount}. */
export const DYNSEC_HUB_ROLE = 'fleetbench-hub';

export type DynsecAclType =
  | 'publishClientSend'
  | 'publishClientReceive'
  | 'subscribeLiteral'
  | 'subscribePattern'
  | 'unsubscribeLiteral'
  | 'unsubscribePattern';

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  allow: boolean;
  priority?: number;
}

export interface DynsecCommand {
  command: string;
  [key: string]: unknown;
}

export interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

/** A dynsec command answered with an error. */
export class DynsecCommandError extends Error {
  constructor(
    readonly command: string,
    readonly dynsecError: string,
  ) {
    super(`Mosquitto dynamic-security command ${command} failed: ${dynsecError}`);
    this.name = 'DynsecCommandError';
  }
}

export interface DynsecBrokerAuthorityOptions {
  /** How long to wait for Mosquitto's answer to one batch of commands. Default 5000 ms. */
  timeoutMs?: number;
}

export function agentRoleName(agentId: string): string {
  return `fleetbench-agent-${agentId}`;
}

/** The ACLs of an agent's role. */
export function agentRoleAcls(agentId: string): DynsecAcl[] {
  return [
    ...agentPublishTopics(agentId).map((topic): DynsecAcl => ({ acltype: 'publishClientSend', topic, allow: true })),
    { acltype: 'subscribePattern', topic: agentSubscribeTopic(agentId), allow: true },
    { acltype: 'publishClientReceive', topic: agentSubscribeTopic(agentId), allow: true },
  ];
}

/** The ACLs of the hub's role: everything under `fleetbench/`, and shared subscriptions. */
export function hubRoleAcls(): DynsecAcl[] {
  return [
    { acltype: 'publishClientSend', topic: 'fleetbench/#', allow: true },
    { acltype: 'publishClientReceive', topic: 'fleetbench/#', allow: true },
    { acltype: 'subscribePattern', topic: 'fleetbench/#', allow: true },
    { acltype: 'subscribePattern', topic: '$share/#', allow: true },
    { acltype: 'unsubscribePattern', topic: '#', allow: true },
  ];
}

const sameAcl = (a: DynsecAcl, b: DynsecAcl) => a.acltype === b.acltype && a.topic === b.topic;
const identicalAcl = (a: DynsecAcl, b: DynsecAcl) =>
  sameAcl(a, b) && a.allow === b.allow && (a.priority ?? 0) === (b.priority ?? 0);

interface Pending {
  resolve: (response: DynsecResponse) => void;
  reject: (err: Error) => void;
}

export class DynsecBrokerAuthority implements BrokerAuthority {
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly pending = new Map<string, Pending>();
  private subscribed: Promise<void> | undefined;
  private disposed = false;

  private readonly onMessage = (topic: string, payload: Buffer) => {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return;
    let responses: DynsecResponse[];
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] }).responses ?? [];
    } catch (err) {
      this.logger.warn({ err }, 'dynsec: unparsable response ignored');
      return;
    }
    for (const response of responses) {
      const id = response.correlationData;
      const pending = id ? this.pending.get(id) : undefined;
      if (!pending || !id) continue; // another authority on the same connection, or a late answer
      this.pending.delete(id);
      pending.resolve(response);
    }
  };

  constructor(
    private readonly client: MqttClient,
    logger?: Logger,
    options: DynsecBrokerAuthorityOptions = {},
  ) {
    this.logger = (logger ?? pino({ level: 'silent' })).child({ component: 'mqtt-dynsec' });
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.client.on('message', this.onMessage);
  }

  async provisionAgent(agentId: string, password: string): Promise<void> {
    AgentIdSchema.parse(agentId);
    const rolename = agentRoleName(agentId);
    await this.ensureRole(rolename, agentRoleAcls(agentId));
    const [created] = await this.send([
      { command: 'createClient', username: agentId, clientid: agentId, password, roles: [{ rolename }] },
    ]);
    if (!created.error) {
      this.logger.info({ agentId }, 'dynsec: agent client created');
      return;
    }
    if (created.error !== 'Client already exists') throw new DynsecCommandError('createClient', created.error);
    // Existing client: new password (this disconnects its current sessions), client id and role as they should be.
    const client = await this.getClient(agentId);
    const commands: DynsecCommand[] = [{ command: 'setClientPassword', username: agentId, password }];
    if (client.clientid !== agentId) commands.push({ command: 'setClientId', username: agentId, clientid: agentId });
    if (!client.roles.includes(rolename)) commands.push({ command: 'addClientRole', username: agentId, rolename });
    if (client.disabled) commands.push({ command: 'enableClient', username: agentId });
    this.check(await this.send(commands));
    this.logger.info({ agentId }, 'dynsec: agent client updated');
  }

  async revokeAgent(agentId: string): Promise<void> {
    AgentIdSchema.parse(agentId);
    const responses = await this.send([
      { command: 'deleteClient', username: agentId },
      { command: 'deleteRole', rolename: agentRoleName(agentId) },
    ]);
    this.check(responses, ['Client not found', 'Role not found']);
    this.logger.info({ agentId }, 'dynsec: agent client and role deleted');
  }

  /**
   * Makes sure `username` exists with the `fleetbench-hub` role (send/receive/subscribe `fleetbench/#`, subscribe
   * `$share/#`). A new client gets `password`; an existing one keeps its password unless `resetPassword` is set
   * (Mosquitto disconnects every session of a user whose password changes, including this authority's own).
   */
  async ensureHubAccount(username: string, password: string, options: { resetPassword?: boolean } = {}): Promise<void> {
    await this.ensureRole(DYNSEC_HUB_ROLE, hubRoleAcls());
    const [created] = await this.send([
      { command: 'createClient', username, password, roles: [{ rolename: DYNSEC_HUB_ROLE }] },
    ]);
    if (!created.error) return;
    if (created.error !== 'Client already exists') throw new DynsecCommandError('createClient', created.error);
    const client = await this.getClient(username);
    const commands: DynsecCommand[] = [];
    if (!client.roles.includes(DYNSEC_HUB_ROLE)) {
      commands.push({ command: 'addClientRole', username, rolename: DYNSEC_HUB_ROLE });
    }
    if (options.resetPassword) commands.push({ command: 'setClientPassword', username, password });
    if (commands.length > 0) this.check(await this.send(commands));
  }

  /**
   * Sends one batch of dynsec commands and resolves with their responses, in order. Errors reported by Mosquitto are
   * returned in `error`, not thrown; a missing answer rejects after the timeout.
   */
  async send(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    if (this.disposed) throw new Error('DynsecBrokerAuthority was disposed');
    await this.ensureSubscribed();
    const ids = commands.map(() => randomUUID());
    const answers = Promise.all(
      ids.map((id) => new Promise<DynsecResponse>((resolve, reject) => this.pending.set(id, { resolve, reject }))),
    );
    answers.catch(() => undefined); // observed below; avoids an unhandled rejection if disposed mid-publish
    const names = commands.map((c) => c.command).join(', ');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `Mosquitto dynamic-security did not answer ${names} within ${this.timeoutMs} ms: check that the ` +
                'dynamic-security plugin is loaded and that the MQTT_URL user is a dynsec admin ' +
                `(allowed to publish to ${DYNSEC_CONTROL_TOPIC} and to subscribe to ${DYNSEC_RESPONSE_TOPIC})`,
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      const payload = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) });
      await Promise.race([this.client.publishAsync(DYNSEC_CONTROL_TOPIC, payload, { qos: 1 }), timeout]);
      return await Promise.race([answers, timeout]);
    } catch (err) {
      if ((err as { code?: number }).code === 135) {
        throw new Error(
          `Mosquitto refused the dynamic-security command ${names}: the MQTT_URL user is not a dynsec admin`,
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      for (const id of ids) this.pending.delete(id);
    }
  }

  /** Stops listening for responses; pending commands fail. Does not close the MQTT client. */
  dispose(): void {
    this.disposed = true;
    this.client.removeListener('message', this.onMessage);
    for (const [id, pending] of this.pending) {
      pending.reject(new Error('DynsecBrokerAuthority was disposed'));
      this.pending.delete(id);
    }
  }

  private ensureSubscribed(): Promise<void> {
    this.subscribed ??= this.client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 }).then(
      (grants) => {
        if (grants.some((g) => g.qos >= 128)) throw new Error(`subscription to ${DYNSEC_RESPONSE_TOPIC} refused`);
      },
      (err: Error) => {
        this.subscribed = undefined;
        throw new Error(
          `cannot subscribe to ${DYNSEC_RESPONSE_TOPIC} (${err.message}): the MQTT_URL user must be a dynsec admin`,
        );
      },
    );
    return this.subscribed;
  }

  private check(responses: DynsecResponse[], tolerated: string[] = []): void {
    for (const response of responses) {
      if (response.error && !tolerated.includes(response.error)) {
        throw new DynsecCommandError(response.command, response.error);
      }
    }
  }

  /** Creates the role with exactly these ACLs, or brings an existing role's ACLs in line with them. */
  private async ensureRole(rolename: string, acls: DynsecAcl[]): Promise<void> {
    const [created] = await this.send([{ command: 'createRole', rolename, acls }]);
    if (!created.error) return;
    if (created.error !== 'Role already exists') throw new DynsecCommandError('createRole', created.error);
    const [got] = await this.send([{ command: 'getRole', rolename }]);
    if (got.error) throw new DynsecCommandError('getRole', got.error);
    const current = ((got.data?.role as { acls?: DynsecAcl[] } | undefined)?.acls ?? []) as DynsecAcl[];
    const commands: DynsecCommand[] = [];
    for (const acl of current) {
      if (!acls.some((wanted) => identicalAcl(wanted, acl))) {
        commands.push({ command: 'removeRoleACL', rolename, acltype: acl.acltype, topic: acl.topic });
      }
    }
    for (const acl of acls) {
      if (!current.some((have) => identicalAcl(have, acl))) commands.push({ command: 'addRoleACL', rolename, ...acl });
    }
    if (commands.length === 0) return;
    this.check(await this.send(commands));
    this.logger.info({ rolename, changes: commands.length }, 'dynsec: role ACLs updated');
  }

  private async getClient(username: string): Promise<{ clientid?: string; roles: string[]; disabled: boolean }> {
    const [got] = await this.send([{ command: 'getClient', username }]);
    if (got.error) throw new DynsecCommandError('getClient', got.error);
    const client = (got.data?.client ?? {}) as {
      clientid?: string;
      roles?: { rolename: string }[];
      disabled?: boolean;
    };
    return {
      clientid: client.clientid,
      roles: (client.roles ?? []).map((r) => r.rolename),
      disabled: client.disabled === true,
    };
  }
}

/** The embedded broker checks credentials through the hub's verifier on every connect: nothing to keep in step. */
export class NoopBrokerAuthority implements BrokerAuthority {
  async provisionAgent(_agentId: string, _password: string): Promise<void> {}
  async revokeAgent(_agentId: string): Promise<void> {}
}
