/**
 * Scale-out on real parts: TWO hub processes on one PostgreSQL, one Mosquitto (dynamic security) and one Redis,
 * sharing the artifact store (FLEETBENCH_DATA_DIR on a shared volume), with real agents enrolled through either hub.
 * A campaign of three models × two agents, created while the agents are still offline so both hubs race to dispatch
 * when they come online: every job runs exactly once, no device ever gets a second job while one is open, results
 * are split between the hubs (shared subscription) and stored once each, and a browser-style socket.io client on
 * hub B — with a ticket issued by hub A — receives the live events of results ingested by either hub. A zoo
 * registration accepted by hub A is polled to its end on hub B, and both hubs' health reports Redis.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import {
  apiPaths,
  topics,
  type Campaign,
  type Job,
  type Model,
  type Result,
  type ResultCreatedEvent,
  type ResultsCreatedEvent,
  type ZooRegistrationTask,
} from '@fleetbench/protocol';
import { dynsecHubEnv, startMosquitto } from '../support/mosquitto';
import { startRedis } from '../support/redis';
import { sharedPath } from '../support/shared-data';
import { createTestDatabase } from '../../apps/hub/src/test-support/database';
import {
  api,
  enrollAgent,
  startAgent,
  startHub,
  tempDir,
  waitFor,
  type HubProcess,
  type ManagedProcess,
} from '../support/processes';

const AGENTS = 2;
const SETTINGS = [{ mode: 'latency', warmupIterations: 2, minIterations: 20, minDurationMs: 100 }];

/**
 * Three distinct tiny models: MNIST and two copies that differ only in the ONNX ModelProto's doc_string (field 6,
 * appended; a later occurrence of a field wins in protobuf), so each has its own sha256 and runs in milliseconds.
 */
function models(dir: string): { name: string; file: string }[] {
  const mnist = readFileSync(sharedPath('models', 'mnist.onnx'));
  const variant = (name: string) => {
    const doc = Buffer.from(`fleetbench replicas test: ${name}`);
    const file = path.join(dir, `${name}.onnx`);
    writeFileSync(file, Buffer.concat([mnist, Buffer.from([(6 << 3) | 2, doc.length]), doc]));
    return { name, file };
  };
  return [{ name: 'mnist', file: sharedPath('models', 'mnist.onnx') }, variant('mnist-b'), variant('mnist-c')];
}

describe('two hub replicas on PostgreSQL + Mosquitto + Redis', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let hubA: HubProcess;
  let hubB: HubProcess;
  const token = `fb_test_${randomBytes(16).toString('hex')}`;
  const procs: ManagedProcess[] = [];
  const clients: mqtt.MqttClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    [db, broker, redis] = await Promise.all([
      createTestDatabase('fleetbench_replicas'),
      startMosquitto(),
      startRedis(),
    ]);
    const env = {
      DATABASE_URL: db.url,
      ...dynsecHubEnv(broker),
      REDIS_URL: redis.url,
      // The artifact store is shared by the replicas (a shared volume in production): either may serve a download.
      FLEETBENCH_DATA_DIR: tempDir('hub-shared'),
      FLEETBENCH_ADMIN_TOKEN: token,
    };
    // Both start at once, as replicas of a deployment do (migrations take an advisory lock).
    const started = await Promise.allSettled([startHub(env), startHub(env)]);
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    [hubA, hubB] = procs as HubProcess[];
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    for (const p of procs.reverse()) await p.stop();
    await redis?.stop();
    await broker?.stop();
    await db?.drop();
  });

  function diagnostics(): string {
    return procs.map((p) => `----- ${p.name} -----\n${p.output().slice(-3000)}`).join('\n');
  }
  const orDiagnose = (e: Error) => {
    throw new Error(`${e.message}\n${diagnostics()}`);
  };

  /** A socket.io client like the dashboard's: a ticket from `issuer`, connected to `target`. */
  async function liveClient(issuer: HubProcess, target: HubProcess) {
    const { ticket } = await api<{ ticket: string }>(issuer.url, token, 'POST', apiPaths.socketTicket);
    const socket = io(target.url, { auth: { ticket }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const results: ResultCreatedEvent[] = [];
    const jobUpdates: Job[] = [];
    socket.on('results.created', (batch: ResultsCreatedEvent) => results.push(...batch.results));
    socket.on('job.updated', (j: Job) => jobUpdates.push(j));
    await new Promise<void>((resolve, reject) => {
      socket.once('ready', () => resolve());
      socket.once('error', (e: { message?: string }) => reject(new Error(`socket refused: ${e?.message}`)));
      socket.once('connect_error', reject);
    });
    return { socket, ticket, results, jobUpdates };
  }

  it('runs every job exactly once, one per device at a time, and shows results of both hubs live on each', async () => {
    const t0 = Date.now();
    // A ticket issued by A opens a socket on B; it is then used up on both.
    const live = await liveClient(hubA, hubB);
    const reuse = io(hubA.url, { auth: { ticket: live.ticket }, transports: ['websocket'], reconnection: false });
    sockets.push(reuse);
    const refused = await new Promise<{ code?: string }>((resolve) => reuse.once('error', resolve));
    expect(refused.code).toBe('unauthorized');

    // Everything the broker carries on jobs and results topics, in the order it carries it.
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      username: broker.admin.username,
      password: broker.admin.password,
      clientId: 'e2e-replicas-watcher',
    });
    clients.push(watcher);
    const seen: { deviceId: string; kind: string; jobId: string }[] = [];
    watcher.on('message', (topic, payload) => {
      const [, , , deviceId, channel] = topic.split('/');
      const m = JSON.parse(payload.toString()) as { kind?: string; jobId: string };
      seen.push({ deviceId, kind: channel === 'results' ? 'result' : m.kind!, jobId: m.jobId });
    });
    await watcher.subscribeAsync([topics.allAgents('jobs'), topics.allAgents('results')], { qos: 1 });

    // Agents enrolled through either hub (dynsec clients created by A, then by B), still offline.
    const hubs = [hubA, hubB];
    const agents: { id: string; config: string; dir: string }[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const hub = hubs[i % 2];
      const enrollment = await api(hub.url, token, 'POST', apiPaths.enrollmentTokens, { label: 'e2e', maxUses: 1 });
      const dir = tempDir(`replica-agent-${i}`);
      const config = enrollAgent(hub.url, enrollment.token, `agent-${i}`, dir);
      agents.push({ id: JSON.parse(readFileSync(config, 'utf8')).agentId, config, dir });
    }
    // enrollAgent blocks the event loop for seconds (spawnSync): let fetch see the keep-alive connections the hubs
    // closed meanwhile, so the next request does not go out on one ("other side closed").
    await new Promise((r) => setTimeout(r, 20));

    // Models registered on A (the bytes land in the shared store), the campaign created on B.
    const registered: Model[] = [];
    for (const m of models(tempDir('replica-models')))
      registered.push(await api<Model>(hubA.url, token, 'POST', apiPaths.models, { name: m.name, path: m.file }));
    const campaign = await api<Campaign & { jobs: Job[] }>(hubB.url, token, 'POST', apiPaths.campaigns, {
      name: 'replicas',
      modelIds: registered.map((m) => m.id),
      devices: { ids: agents.map((a) => a.id) },
      settings: SETTINGS,
    });
    const expected = registered.length * AGENTS;
    expect(campaign.jobs).toHaveLength(expected);

    // Now the agents come online: both hubs see each retained status and race to dispatch.
    for (const [i, a] of agents.entries()) procs.push(startAgent(`agent-${i}`, a.config, path.join(a.dir, 'data')));

    const results = await waitFor(
      `${expected} results`,
      async () => {
        const rs = await api<Result[]>(hubA.url, token, 'GET', `${apiPaths.results}?campaignId=${campaign.id}`);
        return rs.length >= expected ? rs : undefined;
      },
      90_000,
      500,
    ).catch(orDiagnose);
    await waitFor(
      'the campaign to complete',
      async () =>
        (await api<Campaign>(hubB.url, token, 'GET', `${apiPaths.campaigns}/${campaign.id}`)).state === 'completed',
      20_000,
    ).catch(orDiagnose);

    // Stored once each: one result per (device, model), distinct message ids.
    expect(results).toHaveLength(expected);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(expected);
    expect(new Set(results.map((r) => `${r.deviceId}/${r.modelId}`)).size).toBe(expected);

    // Every job ran exactly once: succeeded on its first attempt, assigned once on the wire.
    const jobs = await api<Job[]>(hubA.url, token, 'GET', `${apiPaths.jobs}?campaignId=${campaign.id}`);
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual(jobs.map(() => ['succeeded', 1]));
    await waitFor(
      'the watcher to see every result',
      async () => seen.filter((s) => s.kind === 'result').length >= expected,
      10_000,
    );
    const assigned = seen.filter((s) => s.kind === 'assign').map((s) => s.jobId);
    expect(assigned.sort()).toEqual(jobs.map((j) => j.id).sort());

    // One job per device at a time: on each device's topics, assignments and results alternate.
    for (const a of agents) {
      // (Receipts on the jobs topic confirm stored results to the agent; they are not assignments.)
      const kinds = seen
        .filter((s) => s.deviceId === a.id && s.kind !== 'cancel' && s.kind !== 'receipt')
        .map((s) => s.kind);
      expect(kinds).toEqual(registered.flatMap(() => ['assign', 'result']));
    }
    for (const p of procs.filter((p) => p.name.startsWith('agent')))
      expect(p.output()).not.toMatch(/job queued behind the running one/);

    // The shared subscription split the results: each hub stored some, together all of them once.
    // Each hub logs one "results stored" line per batch, with how many it stored.
    const stored = [hubA, hubB].map((h) =>
      [...h.output().matchAll(/"stored":(\d+)[^\n]*"msg":"results stored"/g)].reduce((n, m) => n + Number(m[1]), 0),
    );
    expect(stored.every((n) => n > 0)).toBe(true);
    expect(stored[0] + stored[1]).toBe(expected);

    // The socket on B saw every result live, those ingested by A included (through Redis).
    await waitFor(
      'every results.created result on the socket of hub B',
      async () => live.results.length >= expected,
      10_000,
    );
    expect(live.results.map((r) => r.id).sort()).toEqual(results.map((r) => r.id).sort());
    expect(new Set(live.jobUpdates.filter((j) => j.state === 'succeeded').map((j) => j.id)).size).toBe(expected);
    process.stdout.write(`replicas e2e: ${expected} jobs on 2 hubs in ${Date.now() - t0} ms (stored ${stored})\n`);
  });

  it('answers the same on either hub: a zoo task accepted by A is polled on B; health reports Redis', async () => {
    for (const hub of [hubA, hubB])
      expect(await api(hub.url, null, 'GET', apiPaths.health)).toMatchObject({ status: 'ok', mqtt: 'ok', redis: 'ok' });
    const task = await api<ZooRegistrationTask>(hubA.url, token, 'POST', apiPaths.zooModels, {
      names: ['SqueezeNet1_1'],
    });
    expect(task.state).toBe('running');
    const done = await waitFor(
      'the zoo task to finish, polled on hub B',
      async () => {
        const t = await api<ZooRegistrationTask>(hubB.url, token, 'GET', apiPaths.zooTask(task.id));
        return t.state !== 'running' && t;
      },
      20_000,
    ).catch(orDiagnose);
    expect(done).toMatchObject({ state: 'completed', done: 1, errors: [] });
    expect(done.models.map((m) => m.name)).toEqual(['SqueezeNet1_1']);
  });
});
