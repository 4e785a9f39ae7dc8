#!/usr/bin/env node
// `npm start`: the whole stack on embedded defaults. Installs what is missing, builds, then runs the hub (embedded
// PostgreSQL + MQTT broker unless DATABASE_URL / MQTT_URL are set), the dashboard and one local agent; registers
// the sample models it finds and runs a first campaign. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HubClient } from './lib/hub-client.mjs';
import { HUB_NODE_FLAGS } from './lib/hub-node-flags.mjs';
import { choosePort } from './lib/ports.mjs';
import { BASE_ENV, ROOT, log, setup } from './lib/steps.mjs';

const HOME = path.resolve(process.env.FLEETBENCH_HOME ?? path.join(ROOT, '.fleetbench'));
const SHARED_DATA = path.resolve(process.env.FLEETBENCH_SHARED_DATA ?? path.join(ROOT, '../shared/data'));
const LOGS = path.join(HOME, 'logs');
const AGENT_CONFIG = path.join(HOME, 'agent/agent.json');
const AGENT_BIN = path.join(ROOT, 'apps/agent/bin/fleetbench-agent.js');
const children = [];

function startChild(name, cmd, args, env, cwd = ROOT) {
  const logFile = path.join(LOGS, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(cmd, args, { cwd, env: { ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.exited = false;
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (!shuttingDown) {
      log(`${name} exited (${code ?? signal}); its log: ${logFile}`);
      shutdown(1);
    }
  });
  child.logFile = logFile;
  children.push(child);
  return child;
}

let shuttingDown = false;
async function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  log('stopping ...');
  for (const c of [...children].reverse()) if (!c.exited) c.kill('SIGTERM');
  await Promise.race([
    Promise.all(children.map((c) => (c.exited ? null : new Promise((r) => c.once('exit', r))))),
    new Promise((r) => setTimeout(r, 8000)),
  ]);
  for (const c of children) if (!c.exited) c.kill('SIGKILL');
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

function agentCli(args) {
  const res = spawnSync(process.execPath, [AGENT_BIN, ...args], { cwd: ROOT, env: BASE_ENV, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`fleetbench-agent ${args[0]} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}

async function main() {
  await setup();
  mkdirSync(LOGS, { recursive: true });

  const hubPort = await choosePort(Number(process.env.FLEETBENCH_HUB_PORT ?? 4000));
  const dashboardPort = await choosePort(Number(process.env.FLEETBENCH_DASHBOARD_PORT ?? process.env.PORT ?? 3000));
  // A fresh admin token per run unless one is given; the hub keeps only its hash.
  const token = process.env.FLEETBENCH_ADMIN_TOKEN ?? `fb_admin_${randomBytes(24).toString('base64url')}`;
  const hubUrl = `http://127.0.0.1:${hubPort}`;

  log(
    `starting the hub on ${hubUrl} (${process.env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL' : 'embedded PostgreSQL'}, ${process.env.MQTT_URL ? 'broker from MQTT_URL' : 'embedded MQTT broker'})`,
  );
  const hub = startChild('hub', process.execPath, [...HUB_NODE_FLAGS, path.join(ROOT, 'apps/hub/dist/main.js')], {
    FLEETBENCH_HUB_PORT: String(hubPort),
    FLEETBENCH_ADMIN_TOKEN: token,
    FLEETBENCH_DATA_DIR: process.env.FLEETBENCH_DATA_DIR ?? path.join(HOME, 'hub'),
    FLEETBENCH_PUBLIC_URL: process.env.FLEETBENCH_PUBLIC_URL ?? hubUrl,
    // The sample models and the ImageNet sample below are registered by path from the shared data.
    FLEETBENCH_REGISTER_DIRS: process.env.FLEETBENCH_REGISTER_DIRS ?? SHARED_DATA,
  });
  const api = new HubClient(hubUrl, token);
  const health = await api.waitHealthy(120_000, () => !hub.exited);
  log(`hub is up; MQTT broker: ${health.mqttUrl ?? 'see the hub log'}`);

  await ensureLocalAgent(api, hubUrl);
  startChild('agent', process.execPath, [AGENT_BIN, 'run', '--config', AGENT_CONFIG], {
    FLEETBENCH_AGENT_DATA_DIR: path.join(HOME, 'agent/data'),
  });

  log(`starting the dashboard on port ${dashboardPort}`);
  const dashboard = startChild(
    'dashboard',
    process.execPath,
    [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(dashboardPort)],
    { FLEETBENCH_HUB_URL: hubUrl, FLEETBENCH_HUB_PUBLIC_URL: hubUrl, PORT: String(dashboardPort) },
    path.join(ROOT, 'apps/dashboard'),
  );
  await waitForHttp(`http://127.0.0.1:${dashboardPort}/login`, 60_000, () => !dashboard.exited);

  const models = await registerSampleModels(api);
  const zooModels = await registerFirstZooModels(api);
  if (models.length + zooModels.length) {
    const agentId = JSON.parse(readFileSync(AGENT_CONFIG, 'utf8')).agentId;
    const campaign = await api.post('/api/v1/campaigns', {
      name: `First run ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
      modelIds: [...models, ...zooModels].map((m) => m.id),
      devices: { ids: [agentId] },
      settings: [{ mode: 'latency', warmupIterations: 10, minIterations: 100, minDurationMs: 2000 }],
    });
    log(`campaign "${campaign.name}" queued: ${models.length + zooModels.length} model(s) on the local agent`);
    await queueSampleAccuracy(api, models, agentId);
  } else {
    log(`no sample models found in ${SHARED_DATA}/models; register one with POST /api/v1/models`);
  }

  const dashboardUrl = `http://localhost:${dashboardPort}`;
  console.log(`
  Fleetbench is running.
    Dashboard:   ${dashboardUrl}      (sign in with the admin token below)
    Hub API:     ${hubUrl}/api/v1      (OpenAPI: ${hubUrl}/api/docs)
    MQTT broker: ${health.mqttUrl ?? '(see hub log)'}
    Admin token: ${token}
    Logs:        ${LOGS}
  Press Ctrl-C to stop.
`);
}

/** Enrolls the local agent once; re-enrolls when the hub no longer knows it (e.g. a wiped database). */
async function ensureLocalAgent(api, hubUrl) {
  if (existsSync(AGENT_CONFIG)) {
    const { agentId } = JSON.parse(readFileSync(AGENT_CONFIG, 'utf8'));
    try {
      await api.get(`/api/v1/devices/${agentId}`);
      log(`local agent ${agentId} already enrolled`);
      return;
    } catch (e) {
      if (e.status !== 404) throw e;
      log(`the hub does not know agent ${agentId}; enrolling again`);
    }
  }
  const enrollment = await api.post('/api/v1/enrollment-tokens', {
    label: 'npm start local agent',
    maxUses: 1,
    tags: ['local'],
  });
  agentCli([
    'enroll',
    '--hub',
    hubUrl,
    '--token',
    enrollment.token,
    '--name',
    `${os.hostname()} (local)`,
    '--tag',
    'local',
    '--config',
    AGENT_CONFIG,
  ]);
  log(`local agent enrolled (config ${AGENT_CONFIG})`);
}

/** A few of the smallest zoo models (one per family; the agent builds them from their recipes, ≈ 1 s each). */
const FIRST_ZOO_MODELS = [
  'MobileNetV3_small_x0_35',
  'ShuffleNetV2_x0_25',
  'MobileNetV2_x0_25',
  'SqueezeNet1_1',
  'GhostNet_x0_5',
];

async function registerFirstZooModels(api) {
  try {
    const task = await api.registerZoo({ names: FIRST_ZOO_MODELS }, { timeoutMs: 120_000 });
    for (const e of task.errors) log(`zoo model not registered: ${e.name}: ${e.message}`);
    log(
      `zoo models registered: ${task.models.map((m) => m.name).join(', ')} (more: node scripts/register-zoo.mjs --help)`,
    );
    return task.models;
  } catch (err) {
    log(`zoo models not registered: ${err.message}`);
    return [];
  }
}

async function registerSampleModels(api) {
  const dir = path.join(SHARED_DATA, 'models');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort();
  // MobileNetV2 first: it is the model the dashboard's first chart is about.
  files.sort((a, b) => Number(b.startsWith('mobilenet')) - Number(a.startsWith('mobilenet')));
  const models = [];
  for (const file of files) {
    const name = path.basename(file, '.onnx');
    const model = await api.post('/api/v1/models', {
      name,
      path: path.join(dir, file),
      ...(SAMPLE_MODEL_META[name] ?? {}),
    });
    log(`model registered: ${model.name} (sha256 ${model.sha256.slice(0, 12)}…)`);
    models.push(model);
  }
  return models;
}

/** Registration extras of the sample models (shared/data/MANIFEST.md): how images become inputs, published accuracy. */
const SAMPLE_MODEL_META = {
  'mobilenetv2-12-int8': {
    family: 'MobileNetV2',
    // The agent's `mobilenetv2-12` preset: RGB, shorter side 256 (bilinear), centre crop 224, /255, ImageNet mean/std, NCHW.
    preprocessing: {
      resizeShorter: 256,
      crop: 224,
      resizeKernel: 'linear',
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      layout: 'NCHW',
      inputDtype: 'float32',
      output: 'logits',
    },
    referenceMetrics: { top1: 0.683, top5: 0.8844, source: 'ONNX Model Zoo README (ImageNet val)' },
  },
  // TF-converted uint8 NHWC models: a preset name is enough (type, layout, size and the 1001-class offset are read
  // from the model by the agent).
  'mobilenet_v2_1.0_224_int8_per_tensor': { family: 'MobileNetV2', preprocessing: { preset: 'tf-uint8' } },
  'mobilenet_v1_0.25_128_quant_qlinear': { family: 'MobileNetV1', preprocessing: { preset: 'tf-uint8' } },
};

/**
 * The 1000-image ImageNet sample as a dataset, and a short accuracy campaign (≈20 s on the local agent) for the
 * models registered with a preprocessing spec. A separate campaign: settings apply to every model of a campaign, and
 * MNIST cannot be evaluated on ImageNet photos.
 */
async function queueSampleAccuracy(api, models, agentId) {
  const folder = path.join(SHARED_DATA, 'imagenet-sample');
  const labels = path.join(SHARED_DATA, 'LOC_synset_mapping.txt');
  const withSpec = models.filter((m) => m.preprocessing);
  if (!existsSync(folder) || !existsSync(labels)) return;
  if (withSpec.length === 0) {
    log('no sample model has a preprocessing spec (registered before one was given?); accuracy campaign skipped');
    return;
  }
  try {
    const dataset = await api.post('/api/v1/datasets', { name: 'imagenet-sample', path: folder, labelsPath: labels });
    log(`dataset registered: ${dataset.name} (${dataset.sampleCount} images, sha256 ${dataset.sha256.slice(0, 12)}…)`);
    const campaign = await api.post('/api/v1/campaigns', {
      name: `First accuracy run ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
      modelIds: withSpec.map((m) => m.id),
      devices: { ids: [agentId] },
      datasetId: dataset.id,
      settings: [{ mode: 'accuracy', warmupIterations: 5 }],
    });
    log(
      `campaign "${campaign.name}" queued: top-1/top-5 of ${withSpec.map((m) => m.name).join(', ')} on ${dataset.sampleCount} images`,
    );
  } catch (err) {
    log(`accuracy campaign not queued: ${err.message}`);
  }
}

async function waitForHttp(url, timeoutMs, isAlive) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`the process serving ${url} exited during start-up`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

main().catch((err) => {
  console.error(`[fleetbench] npm start failed: ${err.message}`);
  shutdown(1);
});
