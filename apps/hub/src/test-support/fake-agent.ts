/**
 * A scripted agent for medium tests: enrolls through the REST API and speaks MQTT like the real agent (retained
 * online status, last will, subscription to its jobs topic), collecting the assignments it receives.
 */
import { apiPaths, PROTOCOL_MAJOR, topics, type EnrollResponse, type JobAssignMessage } from '@fleetbench/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { hardware, software } from './fixtures';
import type { MediumHub } from './medium-hub';

/** Creates a one-use enrollment token and enrolls a device with it. */
export async function enrollFakeAgent(medium: MediumHub, name: string, tags: string[] = []): Promise<EnrollResponse> {
  const tok = await medium.api('POST', apiPaths.enrollmentTokens, { maxUses: 1, tags });
  if (tok.status !== 201) throw new Error(`enrollment token: ${tok.status} ${JSON.stringify(tok.body)}`);
  const res = await fetch(medium.hub.url + apiPaths.enroll, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: tok.body.token, name, hardware: hardware(), software }),
  });
  if (res.status !== 201) throw new Error(`enroll ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as EnrollResponse;
}

/** MQTT options of an enrolled device, with the offline last will of `session`. */
export function fakeAgentOptions(e: EnrollResponse, session = 1): IClientOptions {
  return {
    clientId: e.agentId,
    username: e.mqtt.username,
    password: e.mqtt.password,
    will: {
      topic: topics.status(e.agentId),
      payload: Buffer.from(JSON.stringify({ v: PROTOCOL_MAJOR, online: false, session, ts: new Date().toISOString() })),
      qos: 1,
      retain: true,
    },
  };
}

/** Connects, subscribes to its jobs and announces itself online; `track` collects clients for clean-up. */
export async function connectFakeAgent(
  e: EnrollResponse,
  track: MqttClient[],
  opts: { session?: number } & IClientOptions = {},
): Promise<{ client: MqttClient; jobs: JobAssignMessage[] }> {
  const { session = 1, ...overrides } = opts;
  const client = await mqtt.connectAsync(e.mqtt.url, { ...fakeAgentOptions(e, session), ...overrides });
  track.push(client);
  const jobs: JobAssignMessage[] = [];
  client.on('message', (_t, p) => {
    const m = JSON.parse(p.toString());
    if (m.kind === 'assign') jobs.push(m);
  });
  await client.subscribeAsync(topics.jobs(e.agentId), { qos: 1 });
  await client.publishAsync(
    topics.status(e.agentId),
    JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session, ts: new Date().toISOString() }),
    { qos: 1, retain: true },
  );
  return { client, jobs };
}
