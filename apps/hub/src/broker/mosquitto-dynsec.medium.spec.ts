import { EventEmitter } from 'node:events';
import { topics } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import {
  DYNSEC_CONTROL_TOPIC,
  DynsecBrokerAuthority,
  NoopBrokerAuthority,
  agentRoleAcls,
  agentRoleName,
} from './mosquitto-dynsec';
import {
  MessageCollector,
  closeClients,
  connectClient,
  connectRefused,
  subscribe,
} from '../../../../test/support/mqtt-helpers';
import { mosquittoUnavailableReason, startMosquitto, type MosquittoInstance } from '../../../../test/support/mosquitto';

const AGENT_A = 'agent-a';
const AGENT_B = 'agent-b';

describe('DynsecBrokerAuthority (no broker)', () => {
  /** Looks enough like a connected MqttClient whose broker never answers. */
  function silentClient() {
    const emitter = new EventEmitter() as EventEmitter & Partial<MqttClient>;
    const published: { topic: string; payload: string }[] = [];
    Object.assign(emitter, {
      subscribeAsync: async (topic: string) => [{ topic, qos: 1 }],
      publishAsync: async (topic: string, payload: string) => {
        published.push({ topic, payload });
        return undefined;
      },
    });
    return { client: emitter as unknown as MqttClient, published };
  }

  it('fails with a clear error when Mosquitto does not answer', async () => {
    const { client, published } = silentClient();
    const authority = new DynsecBrokerAuthority(client, undefined, { timeoutMs: 100 });
    await expect(authority.provisionAgent(AGENT_A, 'pw')).rejects.toThrow(
      /did not answer createRole within 100 ms.*dynsec admin/,
    );
    expect(published[0].topic).toBe(DYNSEC_CONTROL_TOPIC);
    const sent = JSON.parse(published[0].payload) as { commands: { command: string; correlationData: string }[] };
    expect(sent.commands[0]).toMatchObject({ command: 'createRole', rolename: agentRoleName(AGENT_A) });
    expect(typeof sent.commands[0].correlationData).toBe('string');
    authority.dispose();
  });

  it('matches responses by correlationData and ignores foreign ones', async () => {
    const { client, published } = silentClient();
    const authority = new DynsecBrokerAuthority(client, undefined, { timeoutMs: 1000 });
    const answer = authority.send([{ command: 'listRoles' }, { command: 'listClients' }]);
    await new Promise((r) => setImmediate(r));
    const ids = (JSON.parse(published[0].payload) as { commands: { correlationData: string }[] }).commands.map(
      (c) => c.correlationData,
    );
    const respond = (responses: object[]) =>
      (client as unknown as EventEmitter).emit(
        'message',
        '$CONTROL/dynamic-security/v1/response',
        Buffer.from(JSON.stringify({ responses })),
      );
    respond([{ command: 'listRoles', correlationData: 'someone-else' }]);
    respond([
      { command: 'listClients', correlationData: ids[1], data: { n: 2 } },
      { command: 'listRoles', correlationData: ids[0], error: 'nope' },
    ]);
    await expect(answer).resolves.toEqual([
      { command: 'listRoles', correlationData: ids[0], error: 'nope' },
      { command: 'listClients', correlationData: ids[1], data: { n: 2 } },
    ]);
    authority.dispose();
  });

  it('rejects agent ids that could inject ACL wildcards', async () => {
    const { client } = silentClient();
    const authority = new DynsecBrokerAuthority(client, undefined, { timeoutMs: 100 });
    await expect(authority.provisionAgent('a/#', 'pw')).rejects.toThrow();
    await expect(authority.revokeAgent('+')).rejects.toThrow();
    authority.dispose();
  });

  it('builds the agent role ACLs from the protocol topics', () => {
    expect(agentRoleAcls(AGENT_A)).toEqual([
      { acltype: 'publishClientSend', topic: topics.status(AGENT_A), allow: true },
      { acltype: 'publishClientSend', topic: topics.hardware(AGENT_A), allow: true },
      { acltype: 'publishClientSend', topic: topics.telemetry(AGENT_A), allow: true },
      { acltype: 'publishClientSend', topic: topics.events(AGENT_A), allow: true },
      { acltype: 'publishClientSend', topic: topics.results(AGENT_A), allow: true },
      { acltype: 'subscribePattern', topic: topics.jobs(AGENT_A), allow: true },
      { acltype: 'publishClientReceive', topic: topics.jobs(AGENT_A), allow: true },
    ]);
  });

  it('NoopBrokerAuthority accepts everything', async () => {
    const noop = new NoopBrokerAuthority();
    await expect(noop.provisionAgent(AGENT_A, 'pw')).resolves.toBeUndefined();
    await expect(noop.revokeAgent(AGENT_A)).resolves.toBeUndefined();
  });
});

const unavailable = mosquittoUnavailableReason();
if (unavailable) {
  console.warn(`Skipping the Mosquitto dynamic-security tests: ${unavailable}`);
}
const describeWithMosquitto = unavailable ? describe.skip : describe;

describeWithMosquitto('DynsecBrokerAuthority against a real Mosquitto', () => {
  let mosquitto: MosquittoInstance;
  let admin: MqttClient;
  let authority: DynsecBrokerAuthority;
  let hub: MqttClient;
  let hubMessages: MessageCollector;
  const opened: MqttClient[] = [];

  const connectAgent = async (agentId: string, password: string, protocolVersion: 4 | 5 = 4) => {
    const client = await connectClient(mosquitto.url, {
      clientId: agentId,
      username: agentId,
      password,
      protocolVersion,
    });
    opened.push(client);
    return client;
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    admin = await connectClient(mosquitto.url, {
      clientId: 'fleetbench-hub-dynsec',
      username: mosquitto.admin.username,
      password: mosquitto.admin.password,
      protocolVersion: 5,
    });
    authority = new DynsecBrokerAuthority(admin);
    await authority.provisionAgent(AGENT_A, 'a-secret');
    await authority.provisionAgent(AGENT_B, 'b-secret');
    // The same admin account is the hub's MQTT_URL user: it reads every agent topic.
    hub = await connectClient(mosquitto.url, {
      clientId: 'fleetbench-hub',
      username: mosquitto.admin.username,
      password: mosquitto.admin.password,
    });
    hubMessages = new MessageCollector(hub);
    expect(await subscribe(hub, 'fleetbench/v1/#')).toBe(1);
  });

  afterEach(async () => {
    await closeClients(...opened.splice(0));
  });

  afterAll(async () => {
    authority?.dispose();
    await closeClients(hub, admin);
    await mosquitto?.stop();
  });

  it('lets a provisioned agent publish on its own status topic to the hub', async () => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    await a.publishAsync(topics.status(AGENT_A), '{"v":1,"online":true}', { qos: 1 });
    const got = await hubMessages.waitForTopic(topics.status(AGENT_A));
    expect(JSON.parse(got.payload)).toEqual({ v: 1, online: true });
  });

  it("answers MQTT 5 PUBACK 135 to a publish on another agent's topic and drops it", async () => {
    const a = await connectAgent(AGENT_A, 'a-secret', 5);
    const forged = topics.results(AGENT_B);
    await expect(a.publishAsync(forged, 'forged-v5', { qos: 1 })).rejects.toMatchObject({ code: 135 });
    await a.publishAsync(topics.events(AGENT_A), 'marker-v5', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'marker-v5');
    expect(hubMessages.received(forged)).toEqual([]);
    expect(a.connected).toBe(true);
  });

  it("silently drops (positive PUBACK) a MQTT 3.1.1 publish on another agent's topic", async () => {
    const a = await connectAgent(AGENT_A, 'a-secret', 4);
    const forged = topics.results(AGENT_B);
    await a.publishAsync(forged, 'forged-v4', { qos: 1 });
    await a.publishAsync(forged, 'forged-v4-qos0', { qos: 0 });
    await a.publishAsync(topics.events(AGENT_A), 'marker-v4', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'marker-v4');
    expect(hubMessages.received(forged)).toEqual([]);
    expect(a.connected).toBe(true);
  });

  it('lets an agent subscribe only to its own jobs topic, and delivers hub jobs there', async () => {
    const a = await connectAgent(AGENT_A, 'a-secret', 5);
    const aMessages = new MessageCollector(a);
    expect(await subscribe(a, topics.jobs(AGENT_A))).toBe(1);
    for (const filter of [
      topics.jobs(AGENT_B),
      'fleetbench/#',
      'fleetbench/v1/agents/+/jobs',
      '#',
      topics.status(AGENT_B),
    ]) {
      expect([filter, await subscribe(a, filter)]).toEqual([filter, 135]);
    }
    await hub.publishAsync(topics.jobs(AGENT_A), 'job-1', { qos: 1 });
    expect((await aMessages.waitForTopic(topics.jobs(AGENT_A))).payload).toBe('job-1');
  });

  it('refuses unknown credentials and a foreign client id at connect', async () => {
    // Mosquitto answers "not authorized" (3.1.1 code 5, MQTT 5 reason 135), not "bad username or password".
    const wrong = await connectRefused(mosquitto.url, { clientId: AGENT_A, username: AGENT_A, password: 'wrong' });
    expect(wrong.code).toBe(5);
    const unknown5 = await connectRefused(mosquitto.url, {
      clientId: 'nobody',
      username: 'nobody',
      password: 'x',
      protocolVersion: 5,
    });
    expect(unknown5.code).toBe(135);
    const anonymous = await connectRefused(mosquitto.url, { clientId: 'anon' });
    expect(anonymous.code).toBe(5);
    const foreignId = await connectRefused(mosquitto.url, {
      clientId: AGENT_B,
      username: AGENT_A,
      password: 'a-secret',
    });
    expect(foreignId.code).toBe(5);
  });

  it('re-provisioning is idempotent: new password, ACLs repaired', async () => {
    const role = agentRoleName(AGENT_B);
    // Tamper with the role: an extra grant and a removed one.
    const tampered = await authority.send([
      { command: 'addRoleACL', rolename: role, acltype: 'subscribePattern', topic: '#', allow: true },
      { command: 'removeRoleACL', rolename: role, acltype: 'publishClientSend', topic: topics.results(AGENT_B) },
    ]);
    expect(tampered.map((r) => r.error)).toEqual([undefined, undefined]);

    await authority.provisionAgent(AGENT_B, 'b-secret-2');
    await authority.provisionAgent(AGENT_B, 'b-secret-2');

    const [got] = await authority.send([{ command: 'getRole', rolename: role }]);
    const acls = (got.data as { role: { acls: object[] } }).role.acls.map((acl) => {
      const { priority: _priority, ...rest } = acl as { priority?: number };
      return rest;
    });
    expect(acls).toHaveLength(agentRoleAcls(AGENT_B).length);
    expect(acls).toEqual(expect.arrayContaining(agentRoleAcls(AGENT_B)));

    expect(
      (await connectRefused(mosquitto.url, { clientId: AGENT_B, username: AGENT_B, password: 'b-secret' })).code,
    ).toBe(5);
    const b = await connectAgent(AGENT_B, 'b-secret-2');
    expect(await subscribe(b, '#')).toBe(128);
    await b.publishAsync(topics.results(AGENT_B), 'b-result', { qos: 1 });
    await hubMessages.waitFor((m) => m.topic === topics.results(AGENT_B) && m.payload === 'b-result');
  });

  it('after revokeAgent the agent can no longer connect', async () => {
    await authority.provisionAgent('agent-c', 'c-secret');
    const c = await connectAgent('agent-c', 'c-secret');
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));

    await authority.revokeAgent('agent-c');
    await closed; // Mosquitto also disconnects the live session of a deleted client
    expect(
      (await connectRefused(mosquitto.url, { clientId: 'agent-c', username: 'agent-c', password: 'c-secret' })).code,
    ).toBe(5);
    await expect(authority.revokeAgent('agent-c')).resolves.toBeUndefined(); // idempotent

    const [role] = await authority.send([{ command: 'getRole', rolename: agentRoleName('agent-c') }]);
    expect(role.error).toBe('Role not found');
  });

  it('ensureHubAccount creates a hub user that reads all agents, including through $share', async () => {
    await authority.ensureHubAccount('fleetbench-hub-2', 'hub2-secret');
    await authority.ensureHubAccount('fleetbench-hub-2', 'ignored'); // idempotent, password kept
    const hub2 = await connectClient(mosquitto.url, {
      clientId: 'hub-2',
      username: 'fleetbench-hub-2',
      password: 'hub2-secret',
      protocolVersion: 5,
    });
    opened.push(hub2);
    const hub2Messages = new MessageCollector(hub2);
    expect(await subscribe(hub2, topics.shared('fleetbench', 'events'))).toBe(1);
    expect(await subscribe(hub2, '$SYS/#')).toBe(135);
    const a = await connectAgent(AGENT_A, 'a-secret');
    await a.publishAsync(topics.events(AGENT_A), 'shared-event', { qos: 1 });
    await hub2Messages.waitFor((m) => m.payload === 'shared-event');
    await hub2.publishAsync(topics.jobs(AGENT_A), 'from-hub-2', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'from-hub-2');
  });
});
