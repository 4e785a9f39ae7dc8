/**
 * Medium test: the hub imports the agent package a build left, serves it (by version, with its sha256) and the
 * install script with its own URL. Real PostgreSQL, embedded broker, a small real tarball.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  agentPackagePaths,
  JobsTopicMessageSchema,
  PROTOCOL_MAJOR,
  topics,
  type AgentPackage,
  type AgentUpgradeMessage,
  type Rollout,
} from '@fleetbench/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { enrollFakeAgent, fakeAgentOptions } from './test-support/fake-agent';
import { mediumHub, until } from './test-support/medium-hub';

const ADMIN = 'test-admin-token-agent-pkg-0123';

/** A build folder like scripts/lib/agent-package.mjs writes: a tarball and its manifest. */
async function buildDir(version: string, content: string, opts: { wrongSha?: boolean } = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-agent-pkg-'));
  await fs.mkdir(path.join(dir, 'package'));
  await fs.writeFile(path.join(dir, 'package/package.json'), JSON.stringify({ name: 'fleetbench-agent', version }));
  await fs.writeFile(path.join(dir, 'package/cli.js'), content);
  const file = `fleetbench-agent-${version}.tgz`;
  execFileSync('tar', ['-czf', path.join(dir, file), '-C', dir, 'package']);
  const bytes = await fs.readFile(path.join(dir, file));
  const sha256 = opts.wrongSha ? 'f'.repeat(64) : createHash('sha256').update(bytes).digest('hex');
  await fs.writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version,
      file,
      sha256,
      sizeBytes: bytes.length,
      node: '>=20',
      nativeDependencies: { 'onnxruntime-node': '1.30.0', sharp: '0.35.5' },
    }),
  );
  return dir;
}

describe('agent package and install script', () => {
  let first: string;
  beforeAll(async () => {
    first = await buildDir('1.0.0-aaaa', 'console.log("one")');
  });

  it('imports the built package at start and serves it by version without credentials', async () => {
    const hub = mediumHub(ADMIN, {
      env: { FLEETBENCH_PUBLIC_URL: 'http://hub.example:4000', FLEETBENCH_AGENT_PACKAGE_DIR: first },
    });
    await hub.start();
    try {
      const url = hub.hub.url;
      const list = (await (await fetch(url + agentPackagePaths.packages)).json()) as AgentPackage[];
      expect(list).toHaveLength(1);
      const manifest = JSON.parse(await fs.readFile(path.join(first, 'manifest.json'), 'utf8'));
      expect(list[0]).toMatchObject({ version: '1.0.0-aaaa', sha256: manifest.sha256, latest: true });
      const latest = (await (await fetch(url + agentPackagePaths.package('latest'))).json()) as AgentPackage;
      expect(latest.version).toBe('1.0.0-aaaa');

      const res = await fetch(`${url}${agentPackagePaths.download}?version=1.0.0-aaaa`);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
      expect(res.headers.get('x-fleetbench-agent-sha256')).toBe(manifest.sha256);
      expect(res.headers.get('etag')).toBe(`"${manifest.sha256}"`);
      const again = await fetch(`${url}${agentPackagePaths.download}`, {
        headers: { 'if-none-match': `"${manifest.sha256}"` },
      });
      expect(again.status).toBe(304);

      const missing = await fetch(`${url}${agentPackagePaths.download}?version=9.9.9`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { message: string }).message).toMatch(/9\.9\.9/);
      expect((await fetch(url + agentPackagePaths.package('../etc'))).status).toBe(404);

      const script = await fetch(url + agentPackagePaths.installScript);
      expect(script.status).toBe(200);
      const text = await script.text();
      expect(text).toContain('HUB_URL="http://hub.example:4000"');
      expect(text.startsWith('#!/usr/bin/env bash')).toBe(true);
    } finally {
      await hub.stop();
    }
  });

  it('keeps every version; a rebuild with a taken version keeps the stored bytes; a bad sha256 is refused', async () => {
    const second = await buildDir('1.1.0-bbbb', 'console.log("two")');
    const clash = await buildDir('1.0.0-aaaa', 'console.log("changed")');
    const broken = await buildDir('2.0.0-cccc', 'console.log("broken")', { wrongSha: true });
    // One data folder across restarts with different build folders, as on a hub that gets rebuilt.
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-hub-pkgs-'));
    const startWith = async (dir: string) => {
      const hub = mediumHub(ADMIN, {
        env: { FLEETBENCH_DATA_DIR: dataDir, FLEETBENCH_AGENT_PACKAGE_DIR: dir, FLEETBENCH_PUBLIC_URL: '' },
      });
      await hub.start();
      return hub;
    };
    for (const dir of [first, second]) await (await startWith(dir)).stop();
    let hub = await startWith(clash);
    try {
      const list = (await (await fetch(hub.hub.url + agentPackagePaths.packages)).json()) as AgentPackage[];
      expect(list.map((p) => p.version).sort()).toEqual(['1.0.0-aaaa', '1.1.0-bbbb']);
      const firstSha = JSON.parse(await fs.readFile(path.join(first, 'manifest.json'), 'utf8')).sha256;
      expect(list.find((p) => p.version === '1.0.0-aaaa')!.sha256).toBe(firstSha);
      // Without FLEETBENCH_PUBLIC_URL the script names the URL the caller used.
      const text = await (await fetch(hub.hub.url + agentPackagePaths.installScript)).text();
      expect(text).toContain(`HUB_URL="${hub.hub.url}"`);
      // A Host header that is not a plain host never reaches the script (fetch cannot forge Host; http can).
      const status = await new Promise<number>((resolve, reject) =>
        http
          .get(hub.hub.url + agentPackagePaths.installScript, { headers: { host: 'x";rm -rf /;"' } }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
          .on('error', reject),
      );
      expect(status).toBe(400);
    } finally {
      await hub.stop();
    }
    hub = await startWith(broken);
    try {
      const list = (await (await fetch(hub.hub.url + agentPackagePaths.packages)).json()) as AgentPackage[];
      expect(list.map((p) => p.version)).not.toContain('2.0.0-cccc');
    } finally {
      await hub.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('uploads (admin only, checked) and rollouts: unknown versions, empty selectors and reports not from the device', async () => {
    const hub = mediumHub(ADMIN, { env: { FLEETBENCH_AGENT_PACKAGE_DIR: first } });
    await hub.start();
    try {
      const url = hub.hub.url;
      const post = (p: string, body: BodyInit, headers: Record<string, string>) =>
        fetch(url + p, { method: 'POST', body, headers });
      const second = await buildDir('1.2.0-dddd', 'console.log("uploaded")');
      const bytes = await fs.readFile(path.join(second, 'fleetbench-agent-1.2.0-dddd.tgz'));
      const octet = { 'content-type': 'application/octet-stream' };
      expect((await post(agentPackagePaths.packages, bytes, octet)).status).toBe(401);
      // Named API tokens may not publish agent code; the admin token may.
      const named = await hub.api('POST', '/api/v1/api-tokens', { label: 'ci' });
      const asNamed = await post(agentPackagePaths.packages, bytes, {
        ...octet,
        authorization: `Bearer ${named.body.token}`,
      });
      expect(asNamed.status).toBe(403);
      const admin = { ...octet, authorization: `Bearer ${ADMIN}` };
      const up = await post(`${agentPackagePaths.packages}?latest=1`, bytes, admin);
      expect(up.status).toBe(201);
      expect(await up.json()).toMatchObject({
        version: '1.2.0-dddd',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        latest: true,
      });
      expect((await post(agentPackagePaths.packages, Buffer.from('not a tarball'), admin)).status).toBe(400);
      // Same version, other bytes: refused (a version names one set of bytes).
      const other = await buildDir('1.2.0-dddd', 'console.log("other")');
      const clash = await post(
        agentPackagePaths.packages,
        await fs.readFile(path.join(other, 'fleetbench-agent-1.2.0-dddd.tgz')),
        admin,
      );
      expect(clash.status).toBe(409);

      expect(
        (await hub.api('POST', agentPackagePaths.rollouts, { version: '7.7.7', devices: { all: true } })).status,
      ).toBe(404);
      const none = await hub.api('POST', agentPackagePaths.rollouts, {
        version: 'latest',
        devices: { tags: ['nope'] },
      });
      expect(none.status).toBe(400);
      expect(none.body.message).toMatch(/matches no enrolled device/);
      // A report needs the device's own credentials.
      const report = { rolloutId: 'x', version: '1.2.0-dddd', outcome: 'succeeded', runningVersion: '1.2.0-dddd' };
      expect((await hub.api('POST', agentPackagePaths.rolloutReport, report)).status).toBe(403);
    } finally {
      await hub.stop();
    }
  });

  it('rollout to an offline device: sent when it comes online, on its jobs topic; the device reports the outcome', async () => {
    const hub = mediumHub(ADMIN, { env: { FLEETBENCH_AGENT_PACKAGE_DIR: first } });
    const clients: MqttClient[] = [];
    await hub.start();
    try {
      const a = await enrollFakeAgent(hub, 'offline-then-online', ['roll']);
      const b = await enrollFakeAgent(hub, 'not-targeted');
      const created = await hub.api<Rollout>('POST', agentPackagePaths.rollouts, {
        version: 'latest',
        devices: { tags: ['roll'] },
        confirmWithinMs: 60_000,
      });
      expect(created.status).toBe(201);
      expect(created.body.targets).toEqual([
        expect.objectContaining({ deviceId: a.agentId, fromVersion: '0.1.0', state: 'pending' }),
      ]);

      // Comes online: the upgrade command arrives on its jobs topic (QoS 1) with what the agent needs.
      // (the listener is attached before the device says it is online, so the command cannot slip past it)
      const upgrades: AgentUpgradeMessage[] = [];
      const client = await mqtt.connectAsync(a.mqtt.url, fakeAgentOptions(a));
      clients.push(client);
      client.on('message', (_t, p) => {
        const m = JSON.parse(p.toString());
        if (m.kind === 'upgrade') upgrades.push(m);
      });
      await client.subscribeAsync(topics.jobs(a.agentId), { qos: 1 });
      await client.publishAsync(
        topics.status(a.agentId),
        JSON.stringify({ v: PROTOCOL_MAJOR, online: true, session: 1, ts: new Date().toISOString() }),
        { qos: 1, retain: true },
      );
      const manifest = JSON.parse(await fs.readFile(path.join(first, 'manifest.json'), 'utf8'));
      await until(async () => upgrades.length > 0, 'upgrade command');
      expect(JobsTopicMessageSchema.parse(upgrades[0])).toMatchObject({
        kind: 'upgrade',
        rolloutId: created.body.id,
        version: '1.0.0-aaaa',
        sha256: manifest.sha256,
        sizeBytes: manifest.sizeBytes,
        confirmWithinMs: 60_000,
      });
      expect((await hub.api<Rollout>('GET', agentPackagePaths.rollout(created.body.id))).body.targets[0].state).toBe(
        'sent',
      );

      const report = (e: typeof a, outcome: string) =>
        fetch(hub.hub.url + agentPackagePaths.rolloutReport, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${e.agentId}:${e.mqtt.password}`).toString('base64')}`,
          },
          body: JSON.stringify({ rolloutId: created.body.id, version: '1.0.0-aaaa', outcome, runningVersion: '0.1.0' }),
        });
      // Only a targeted device reports, and only with its own credentials.
      expect((await report(b, 'succeeded')).status).toBe(404);
      expect((await report({ ...a, mqtt: { ...a.mqtt, password: 'wrong' } }, 'succeeded')).status).toBe(401);
      const ok = await report(a, 'rolled-back');
      expect(ok.status).toBe(200);
      const done = (await ok.json()) as Rollout;
      expect(done.state).toBe('done');
      expect(done.counts['rolled-back']).toBe(1);
      expect(done.targets[0]).toMatchObject({ deviceName: 'offline-then-online', message: 'runs 0.1.0' });
    } finally {
      for (const c of clients) await c.endAsync(true).catch(() => undefined);
      await hub.stop();
    }
  });
});
