import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { topics } from '@fleetbench/protocol';
import type { MqttClient } from 'mqtt';
import type { BrokerCredentialVerifier, BrokerPrincipal } from './broker.types';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';
import {
  MessageCollector,
  closeClients,
  connectClient,
  connectRefused,
  subscribe,
} from '../../../../test/support/mqtt-helpers';

const AGENT_A = 'agent-a';
const AGENT_B = 'agent-b';

class FakeVerifier implements BrokerCredentialVerifier {
  private readonly accounts = new Map<string, { password: string; principal: BrokerPrincipal }>([
    ['fleetbench-hub', { password: 'hub-secret', principal: { kind: 'hub' } }],
    [AGENT_A, { password: 'a-secret', principal: { kind: 'agent', agentId: AGENT_A } }],
    [AGENT_B, { password: 'b-secret', principal: { kind: 'agent', agentId: AGENT_B } }],
  ]);

  async verify(username: string, password: string): Promise<BrokerPrincipal | null> {
    const account = this.accounts.get(username);
    return account && account.password === password ? account.principal : null;
  }
}

/** A pino logger whose JSON lines land in an array. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('embedded broker (aedes)', () => {
  let broker: EmbeddedBroker;
  let logs: Record<string, unknown>[];
  let hub: MqttClient;
  let hubMessages: MessageCollector;
  const opened: MqttClient[] = [];

  const connectAgent = async (agentId: string, password: string, extra = {}) => {
    const client = await connectClient(broker.url, { clientId: agentId, username: agentId, password, ...extra });
    opened.push(client);
    return client;
  };

  beforeAll(async () => {
    const captured = captureLogger();
    logs = captured.lines;
    broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      verifier: new FakeVerifier(),
      logger: captured.logger,
    });
    hub = await connectClient(broker.url, {
      clientId: 'fleetbench-hub-test',
      username: 'fleetbench-hub',
      password: 'hub-secret',
    });
    hubMessages = new MessageCollector(hub);
    expect(await subscribe(hub, 'fleetbench/v1/#')).toBe(1);
  });

  afterEach(async () => {
    await closeClients(...opened.splice(0));
  });

  afterAll(async () => {
    await closeClients(hub);
    await broker.close();
  });

  it('binds a real port and reports its url', () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
  });

  it("delivers an agent's publish on its own topic to the hub", async () => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    await a.publishAsync(topics.status(AGENT_A), JSON.stringify({ v: 1, online: true }), { qos: 1 });
    const got = await hubMessages.waitForTopic(topics.status(AGENT_A));
    expect(JSON.parse(got.payload)).toEqual({ v: 1, online: true });
  });

  it("drops (and logs) an agent's publish under another agent's id without disconnecting it", async () => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    const forged = topics.results(AGENT_B);
    // aedes speaks MQTT 3.1.1 only: no reason code; the PUBACK is positive and the message is dropped.
    await a.publishAsync(forged, 'forged', { qos: 1 });
    await a.publishAsync(forged, 'forged-retained', { qos: 0, retain: true });
    // Messages of one connection are delivered in order: once this marker arrives, the forged ones would have too.
    await a.publishAsync(topics.events(AGENT_A), 'marker', { qos: 1 });
    await hubMessages.waitFor((m) => m.topic === topics.events(AGENT_A) && m.payload === 'marker');
    expect(hubMessages.received(forged)).toEqual([]);
    expect(a.connected).toBe(true);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'MQTT publish refused by ACL', clientId: AGENT_A, topic: forged }),
      ]),
    );

    // Nothing was retained either: a fresh hub subscriber gets no retained message for B.
    const hub2 = await connectClient(broker.url, {
      clientId: 'hub-2',
      username: 'fleetbench-hub',
      password: 'hub-secret',
    });
    opened.push(hub2);
    const hub2Messages = new MessageCollector(hub2);
    await subscribe(hub2, forged);
    await subscribe(hub2, topics.status(AGENT_A)); // retained? no, but round-trips the SUBACKs
    expect(hub2Messages.received(forged)).toEqual([]);
  });

  it('drops an agent publish to $SYS and to its own jobs topic', async () => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    const jobsMessages = new MessageCollector(a);
    expect(await subscribe(a, topics.jobs(AGENT_A))).toBe(1);
    await a.publishAsync('$SYS/fake', 'x', { qos: 1 });
    await a.publishAsync(topics.jobs(AGENT_A), 'self-assigned', { qos: 1 });
    await a.publishAsync(topics.telemetry(AGENT_A), 'marker-2', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'marker-2');
    expect(hubMessages.received(topics.jobs(AGENT_A))).toEqual([]);
    expect(jobsMessages.received(topics.jobs(AGENT_A))).toEqual([]);
    expect(a.connected).toBe(true);
  });

  it('lets the hub publish to an agent jobs topic and the agent receive it', async () => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    const aMessages = new MessageCollector(a);
    await subscribe(a, topics.jobs(AGENT_A));
    await hub.publishAsync(topics.jobs(AGENT_A), 'job-1', { qos: 1 });
    expect((await aMessages.waitForTopic(topics.jobs(AGENT_A))).payload).toBe('job-1');
  });

  it('keeps the hub connected when it publishes outside fleetbench/v1/', async () => {
    await hub.publishAsync('other/topic', 'x', { qos: 1 });
    await hub.publishAsync('$SYS/x', 'x', { qos: 1 });
    await hub.publishAsync('fleetbench/v1/probe', 'still-here', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'still-here');
    expect(hub.connected).toBe(true);
  });

  it.each([
    topics.jobs(AGENT_B),
    'fleetbench/#',
    'fleetbench/v1/#',
    'fleetbench/v1/agents/+/jobs',
    '#',
    '$SYS/#',
    topics.status(AGENT_A),
  ])('refuses an agent subscription to %s with granted QoS 128', async (filter) => {
    const a = await connectAgent(AGENT_A, 'a-secret');
    expect(await subscribe(a, filter)).toBe(128);
    expect(a.connected).toBe(true);
  });

  it('refuses unknown credentials at connect with "bad username or password"', async () => {
    const err = await connectRefused(broker.url, { clientId: AGENT_A, username: AGENT_A, password: 'wrong' });
    expect(err.message).toMatch(/bad username or password/i);
    expect(err.code).toBe(4);
    const anonymous = await connectRefused(broker.url, { clientId: 'nobody' });
    expect(anonymous.code).toBe(4);
    const stranger = await connectRefused(broker.url, { clientId: 'x-1', username: 'x-1', password: 'x' });
    expect(stranger.code).toBe(4);
  });

  it('refuses an agent that connects with a client id other than its agent id', async () => {
    const err = await connectRefused(broker.url, { clientId: AGENT_B, username: AGENT_A, password: 'a-secret' });
    expect(err.code).toBe(2);
  });

  it('refuses a connection when the verifier fails', async () => {
    const failing = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      verifier: { verify: () => Promise.reject(new Error('db down')) },
    });
    try {
      const err = await connectRefused(failing.url, { clientId: AGENT_A, username: AGENT_A, password: 'a-secret' });
      expect(err.code).toBe(3);
    } finally {
      await failing.close();
    }
  });

  it('can disconnect an agent on a forbidden publish instead (disconnectAgentOnForbiddenPublish)', async () => {
    const strict = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      verifier: new FakeVerifier(),
      disconnectAgentOnForbiddenPublish: true,
    });
    try {
      const a = await connectClient(strict.url, { clientId: AGENT_A, username: AGENT_A, password: 'a-secret' });
      const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
      a.publish(topics.results(AGENT_B), 'forged', { qos: 0 });
      await closed;
      await closeClients(a);
    } finally {
      await strict.close();
    }
  });

  it('delivers the last will when the agent socket is destroyed', async () => {
    const a = await connectAgent(AGENT_A, 'a-secret', {
      will: { topic: topics.status(AGENT_A), payload: Buffer.from('{"v":1,"online":false}'), qos: 1, retain: true },
    });
    await a.publishAsync(topics.status(AGENT_A), '{"v":1,"online":true}', { qos: 1, retain: true });
    await hubMessages.waitFor((m) => m.topic === topics.status(AGENT_A) && m.payload.includes('true'));
    a.stream.destroy();
    const will = await hubMessages.waitFor(
      (m) => m.topic === topics.status(AGENT_A) && m.payload.includes('"online":false'),
      3000,
      'the last will',
    );
    expect(JSON.parse(will.payload)).toEqual({ v: 1, online: false });
  });

  it("does not deliver a last will that targets another agent's topic", async () => {
    const a = await connectAgent(AGENT_A, 'a-secret', {
      will: { topic: topics.status(AGENT_B), payload: Buffer.from('forged-will'), qos: 1, retain: false },
    });
    a.stream.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const b = await connectAgent(AGENT_B, 'b-secret');
    await b.publishAsync(topics.status(AGENT_B), 'b-marker', { qos: 1 });
    await hubMessages.waitFor((m) => m.payload === 'b-marker');
    expect(hubMessages.messages.filter((m) => m.payload === 'forged-will')).toEqual([]);
  });
});

describe('embedded broker port selection', () => {
  it('binds the next free port when the requested one is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const broker = await startEmbeddedBroker({
        host: '127.0.0.1',
        port: taken,
        verifier: { verify: async () => ({ kind: 'hub' }) },
      });
      try {
        expect(broker.requestedPort).toBe(taken);
        expect(broker.port).toBeGreaterThan(taken);
        expect(broker.port).toBeLessThan(taken + 100);
        const client = await connectClient(broker.url, { username: 'h', password: 'h' });
        const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
        await broker.close(); // closes connected clients too
        await clientClosed;
        await closeClients(client);
      } finally {
        await broker.close(); // idempotent
      }
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('fails with a clear error when every candidate port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        startEmbeddedBroker({
          host: '127.0.0.1',
          port: taken,
          maxPortAttempts: 1,
          verifier: { verify: async () => null },
        }),
      ).rejects.toThrow(/all in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('embedded broker: results acknowledged to the agent only after the hub stored them', () => {
  it('holds the PUBACK of a result while storing fails, retries, and acknowledges once stored', async () => {
    let failures = 3;
    const stored: string[] = [];
    const broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      verifier: new FakeVerifier(),
      retry: { initialMs: 50, maxMs: 100 },
      ingest: async (topic, payload) => {
        if (failures-- > 0) throw new Error('database is down');
        stored.push(`${topic} ${payload.toString()}`);
      },
    });
    const agent = await connectClient(broker.url, { clientId: AGENT_A, username: AGENT_A, password: 'a-secret' });
    try {
      let acked = false;
      const publish = agent.publishAsync(topics.results(AGENT_A), 'r1', { qos: 1 }).then(() => (acked = true));
      await new Promise((r) => setTimeout(r, 80));
      expect(acked).toBe(false); // still failing: no PUBACK, so the agent keeps the result in its outbox
      await publish;
      expect(stored).toEqual([`${topics.results(AGENT_A)} r1`]);
      expect(failures).toBe(-1);
      // Telemetry (QoS 0) and status are not held: they go to the hub's own subscription.
      await agent.publishAsync(topics.status(AGENT_A), '{}', { qos: 1 });
      expect(stored).toHaveLength(1);
    } finally {
      await closeClients(agent);
      await broker.close();
    }
  });
});
