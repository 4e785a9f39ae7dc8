/**
 * deploy/ without docker or helm: the Dockerfile, the compose stack and the Helm chart are checked against the code
 * they ship (the hub's and the dashboard's environment schemas, the health routes, the workspace layout, the
 * migration runner) and against each other, so a rename on either side fails here instead of at `docker compose up`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
import { API_PREFIX } from '@fleetbench/protocol';
import { loadConfig } from '../../apps/hub/src/config';

const ROOT = path.resolve(__dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const HEALTH_PATH = `${API_PREFIX}/health`;
/** The hub's node flags as every launcher passes them (scripts/lib/hub-node-flags.mjs, an ES module jest does not load). */
const HUB_NODE_FLAGS = JSON.parse(
  /export const HUB_NODE_FLAGS = (\[[^\]]*\]);/.exec(read('scripts/lib/hub-node-flags.mjs'))![1]!.replace(/'/g, '"'),
) as string[];
const SECRET_KEY = /PASSWORD|TOKEN|SECRET/;

/** Keys of `const EnvSchema = z.object({ ... })` in a config.ts (the hub's and the dashboard's). */
function envSchemaKeys(rel: string): Set<string> {
  const lines = read(rel).split('\n');
  const start = lines.findIndex((l) => /const EnvSchema = z\s*\.object\(\{/.test(l));
  const end = lines.findIndex((l, i) => i > start && /^\}\);/.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const keys = new Set<string>();
  for (const l of lines.slice(start + 1, end)) {
    const m = /^ {2}([A-Z][A-Z0-9_]*):/.exec(l);
    if (m) keys.add(m[1]);
  }
  return keys;
}
const HUB_ENV = envSchemaKeys('apps/hub/src/config.ts');
const DASHBOARD_ENV = new Set([...envSchemaKeys('apps/dashboard/src/config.ts'), 'PORT']);

// ---------------------------------------------------------------------------------------------------- Dockerfile

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Map<string, Stage> } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const args: Record<string, string> = {};
  const stages = new Map<string, Stage>();
  let current: Stage | null = null;
  for (const l of logical) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(l) ?? [];
    const OP = op.toUpperCase();
    if (OP === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!m) throw new Error(`unparsable FROM ${rest}`);
      current = { name: m[2] ?? `#${stages.size}`, from: m[1], instructions: [] };
      stages.set(current.name, current);
    } else if (!current && OP === 'ARG') {
      const [k, v = ''] = rest.split('=');
      args[k] = v;
    } else if (current) current.instructions.push({ op: OP, args: rest });
  }
  return { args, stages };
}

/** The stage and the stages it is built FROM, nearest first. */
function chain(stages: Map<string, Stage>, name: string): Stage[] {
  const out: Stage[] = [];
  for (let s = stages.get(name); s; s = stages.get(s.from)) out.push(s);
  return out;
}

/** `COPY [--flags] src... dest`, shell or JSON form. */
function copyArgs(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const flags: Record<string, string> = {};
  let rest = args;
  for (let m = /^--(\w+)=(\S+)\s+/.exec(rest); m; m = /^--(\w+)=(\S+)\s+/.exec(rest)) {
    flags[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
  const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  return { flags, sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
}

function envOf(stageChain: Stage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of [...stageChain].reverse()) {
    for (const i of s.instructions.filter((x) => x.op === 'ENV')) {
      for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
    }
  }
  return env;
}

function workdirOf(stageChain: Stage[]): string {
  let dir = '/';
  for (const s of [...stageChain].reverse()) {
    for (const i of s.instructions.filter((x) => x.op === 'WORKDIR')) dir = path.posix.resolve(dir, i.args);
  }
  return dir;
}

/** Minimal .dockerignore semantics: `*`, `**`, `?`, `!` exceptions, last match wins, a match covers a directory. */
function dockerignore(text: string): (rel: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      const re = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((t) =>
          t === '**/'
            ? '(?:.*/)?'
            : t === '**'
              ? '.*'
              : t === '*'
                ? '[^/]*'
                : t === '?'
                  ? '[^/]'
                  : t.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (rel) => {
    const parts = rel.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.negate;
    return excluded;
  };
}

const DOCKERFILE = 'deploy/docker/Dockerfile';
const docker = parseDockerfile(read(DOCKERFILE));
const ignored = dockerignore(read('.dockerignore'));
const rootPkg = JSON.parse(read('package.json')) as { version: string; packageManager: string; workspaces: string[] };
const TARGETS = { hub: 'apps/hub', dashboard: 'apps/dashboard', agent: 'apps/agent' } as const;
const npmCi = (s: Stage) => s.instructions.filter((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
const devInstall = (s: Stage) => npmCi(s).some((i) => !/--omit=dev\b/.test(i.args));

describe('Dockerfile', () => {
  it('has hub, dashboard and agent targets that run as a non-root user', () => {
    for (const target of Object.keys(TARGETS)) {
      const users = chain(docker.stages, target).flatMap((s) => s.instructions.filter((i) => i.op === 'USER'));
      expect({ target, user: users[users.length - 1]?.args }).toEqual({
        target,
        user: expect.stringMatching(/^node$/),
      });
    }
  });

  it("gives each final image only its own workspace's production dependencies", () => {
    for (const [target, dir] of Object.entries(TARGETS)) {
      const stages = chain(docker.stages, target);
      expect(stages.filter(devInstall).map((s) => s.name)).toEqual([]);
      const copies = stages[0].instructions.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args));
      const fromStages = copies
        .filter((c) => c.flags.from)
        .map((c) => ({ ...c, stage: docker.stages.get(c.flags.from) }));
      for (const c of fromStages) {
        expect(c.stage).toBeDefined();
        // A stage that installed dev dependencies may hand over build output, never its node_modules or /app whole.
        if (chain(docker.stages, c.flags.from).some(devInstall)) {
          for (const src of c.sources) expect(src).not.toMatch(/node_modules|^\/app\/?$/);
        }
      }
      const depsStage = fromStages.find((c) => c.sources.includes('/app'));
      expect(depsStage).toBeDefined();
      const workspace = (JSON.parse(read(`${dir}/package.json`)) as { name: string }).name;
      const installs = chain(docker.stages, depsStage!.flags.from).flatMap(npmCi);
      expect(installs.map((i) => i.args)).toEqual([expect.stringContaining(`--workspace=${workspace}`)]);
    }
  });

  it('installs offline-safe: no install scripts, onnxruntime installer skipped, the npm that wrote the lockfile', () => {
    for (const stage of docker.stages.values()) {
      for (const i of npmCi(stage)) expect(i.args).toMatch(/--ignore-scripts\b/);
      if (npmCi(stage).length) expect(envOf(chain(docker.stages, stage.name)).ONNXRUNTIME_NODE_INSTALL).toBe('skip');
    }
    expect(`npm@${docker.args.NPM_VERSION}`).toBe(rootPkg.packageManager);
  });

  it('copies every workspace manifest before npm ci (npm ci fails without one the lockfile lists)', () => {
    const manifests = docker.stages.get('manifests')!;
    const copied = manifests.instructions.filter((i) => i.op === 'COPY').flatMap((i) => copyArgs(i.args).sources);
    const workspaces = rootPkg.workspaces.flatMap((glob) => {
      const base = glob.replace(/\/\*$/, '');
      return readdirSync(path.join(ROOT, base))
        .map((d) => `${base}/${d}`)
        .filter((d) => existsSync(path.join(ROOT, d, 'package.json')));
    });
    expect(workspaces.length).toBeGreaterThanOrEqual(5);
    for (const ws of workspaces) expect(copied).toContain(`${ws}/package.json`);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
  });

  it('COPYs from the context only what exists and .dockerignore lets through; --from names a stage', () => {
    let count = 0;
    for (const stage of docker.stages.values()) {
      for (const i of stage.instructions.filter((x) => x.op === 'COPY')) {
        const c = copyArgs(i.args);
        if (c.flags.from) {
          expect([...docker.stages.keys()]).toContain(c.flags.from);
          continue;
        }
        for (const src of c.sources) {
          count++;
          expect({ src, exists: existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
          expect({ src, ignored: ignored(src) }).toEqual({ src, ignored: false });
        }
      }
    }
    expect(count).toBeGreaterThan(10);
  });

  it('.dockerignore keeps dependencies, build output, local state and secrets out of the context', () => {
    for (const p of [
      'node_modules',
      'apps/hub/node_modules/x',
      'apps/hub/dist',
      'packages/zoo/dist/index.js',
      'apps/dashboard/.next',
      'apps/hub/generated/prisma',
      'apps/hub/tsconfig.tsbuildinfo',
      '.fleetbench/hub',
      'test-results',
      '.cache/arm64',
      '.git',
      'deploy/compose/.env',
    ]) {
      expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: true });
    }
    for (const p of ['deploy/compose/.env.example', 'apps/hub/src/main.ts', 'prisma/migrations', 'package-lock.json']) {
      expect({ p, ignored: ignored(p) }).toEqual({ p, ignored: false });
    }
  });

  it('the hub image starts dist/main.js with the migrations where the runner looks for them', () => {
    const hub = chain(docker.stages, 'hub');
    const workdir = workdirOf(hub);
    const cmd = JSON.parse(hub[0].instructions.find((i) => i.op === 'CMD')!.args) as string[];
    expect(cmd).toEqual(['node', ...HUB_NODE_FLAGS, 'apps/hub/dist/main.js']);
    expect(existsSync(path.join(ROOT, 'apps/hub/src/main.ts'))).toBe(true);
    const rel = /path\.resolve\(__dirname, '([^']*prisma\/migrations)'\)/.exec(
      read('apps/hub/src/db/migration-runner.ts'),
    )![1];
    const expected = path.posix.resolve(workdir, 'apps/hub/dist/db', rel);
    const migrations = hub[0].instructions
      .filter((i) => i.op === 'COPY')
      .map((i) => copyArgs(i.args))
      .find((c) => c.sources.includes('prisma/migrations'))!;
    expect(path.posix.resolve(workdir, migrations.dest)).toBe(expected);
  });

  it('starts the hub with the same node flags everywhere: the image, npm start, the workspace start script', () => {
    expect(HUB_NODE_FLAGS.length).toBeGreaterThan(0);
    const workspaceStart = (JSON.parse(read('apps/hub/package.json')) as { scripts: Record<string, string> }).scripts
      .start;
    expect(workspaceStart).toBe(['node', ...HUB_NODE_FLAGS, 'dist/main.js'].join(' '));
    expect(read('scripts/start.mjs')).toContain("[...HUB_NODE_FLAGS, path.join(ROOT, 'apps/hub/dist/main.js')]");
  });

  it("the hub image's ENV is valid hub configuration and its HEALTHCHECK runs the copied health script", () => {
    const hub = chain(docker.stages, 'hub');
    const env = Object.fromEntries(Object.entries(envOf([hub[0]])).filter(([k]) => k !== 'NODE_ENV'));
    for (const key of Object.keys(env)) expect(HUB_ENV).toContain(key);
    expect(() => loadConfig(env)).not.toThrow();
    const health = hub[0].instructions.find((i) => i.op === 'HEALTHCHECK')!.args;
    const cmd = JSON.parse(health.slice(health.indexOf('CMD') + 3).trim()) as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', '/app/deploy/docker/healthcheck.mjs']);
    const copied = hub[0].instructions
      .filter((i) => i.op === 'COPY')
      .map((i) => copyArgs(i.args))
      .some(
        (c) =>
          c.sources.includes('deploy/docker/healthcheck.mjs') &&
          path.posix.resolve(workdirOf(hub), c.dest) === '/app/deploy/docker',
      );
    expect(copied).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------------ health script

function runHealthcheck(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'deploy/docker/healthcheck.mjs'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? -1));
  });
}

async function stubServer(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('deploy/docker/healthcheck.mjs', () => {
  it(`passes on the hub's ${HEALTH_PATH} only while it answers 200`, async () => {
    const controller = read('apps/hub/src/controllers/health.controller.ts');
    expect(controller).toContain("@Controller('health')");
    expect(controller).toContain('@Public()');
    let status = 200;
    const seen: string[] = [];
    const stub = await stubServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(req.url === HEALTH_PATH ? status : 404).end();
    });
    try {
      expect(await runHealthcheck([], { FLEETBENCH_HUB_PORT: String(stub.port) })).toBe(0);
      status = 503;
      expect(await runHealthcheck([], { FLEETBENCH_HUB_PORT: String(stub.port) })).toBe(1);
      expect(seen).toEqual([HEALTH_PATH, HEALTH_PATH]);
    } finally {
      await stub.close();
    }
    expect(await runHealthcheck([], { FLEETBENCH_HUB_PORT: String(stub.port) })).toBe(1);
  });

  it("passes on the dashboard's /healthz route on $PORT", async () => {
    expect(existsSync(path.join(ROOT, 'apps/dashboard/src/app/healthz/route.ts'))).toBe(true);
    const stub = await stubServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
    try {
      expect(await runHealthcheck(['dashboard'], { PORT: String(stub.port) })).toBe(0);
      expect(await runHealthcheck([], { FLEETBENCH_HUB_PORT: String(stub.port) })).toBe(1);
    } finally {
      await stub.close();
    }
    expect(await runHealthcheck(['dashboard'], { PORT: String(stub.port) })).toBe(1);
  });
});

// ------------------------------------------------------------------------------------------------------- compose

type Env = Record<string, string>;
/** Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
function interpolate(value: string, env: Env): string {
  return value.replace(VARIABLE, (match, braced: string, colon: string, kind: string, arg: string, bare: string) => {
    if (match === '$$') return '$';
    const name = braced ?? bare;
    const v = env[name];
    const missing = v === undefined || (colon === ':' && v === '');
    if (!missing) return v;
    if (kind === '?') throw new Error(`${name}: ${arg}`);
    return kind === '-' ? arg : '';
  });
}
function interpolateAll<T>(node: T, env: Env): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)])) as T;
  }
  return node;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Env;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  entrypoint?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_DIR = path.join(ROOT, 'deploy/compose');
const composeText = read('deploy/compose/compose.yaml');
const composeRaw = yaml.load(composeText) as Compose;
const dotenvExample = Object.fromEntries(
  read('deploy/compose/.env.example')
    .split('\n')
    .map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
);
/** .env.example with its empty secrets generated the way it says (openssl rand -hex 24). */
const dotenv: Env = Object.fromEntries(
  Object.entries(dotenvExample).map(([k, v]) => [k, SECRET_KEY.test(k) ? randomBytes(24).toString('hex') : v]),
);
const compose = interpolateAll(composeRaw, dotenv);
const svc = (name: string) => compose.services[name];

describe('deploy/compose/compose.yaml', () => {
  it('runs postgres, mosquitto, the hub and the dashboard, each from an image or a Dockerfile target', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'mosquitto', 'hub', 'dashboard']),
    );
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, source: Boolean(s.image || s.build) }).toEqual({ name, source: true });
      if (!s.build) continue;
      const dockerfile = path.resolve(COMPOSE_DIR, s.build.context, s.build.dockerfile);
      expect(path.relative(ROOT, dockerfile)).toBe(DOCKERFILE);
      expect(path.resolve(COMPOSE_DIR, s.build.context)).toBe(ROOT);
      expect([...docker.stages.keys()]).toContain(s.build.target);
    }
    expect(svc('hub').build?.target).toBe('hub');
    expect(svc('dashboard').build?.target).toBe('dashboard');
  });

  it('mounts files that exist and volumes it declares', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':');
        if (source.startsWith('.') || source.startsWith('/')) {
          expect({ name, source, exists: existsSync(path.resolve(COMPOSE_DIR, source)) }).toEqual({
            name,
            source,
            exists: true,
          });
        } else expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });

  it('starts in order on health checks, and every awaited health check exists', () => {
    expect(svc('hub').depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      mosquitto: { condition: 'service_healthy' },
      'mosquitto-setup': { condition: 'service_completed_successfully' },
    });
    expect(svc('dashboard').depends_on).toEqual({ hub: { condition: 'service_healthy' } });
    for (const s of Object.values(compose.services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dep);
        if (condition === 'service_healthy') {
          expect(svc(dep).healthcheck?.test).toBeDefined();
          expect(svc(dep).healthcheck?.disable).not.toBe(true);
        }
      }
    }
    expect(svc('hub').healthcheck?.test).toEqual(['CMD', 'node', '/app/deploy/docker/healthcheck.mjs']);
    expect(svc('dashboard').healthcheck?.test).toEqual([
      'CMD',
      'node',
      '/app/deploy/docker/healthcheck.mjs',
      'dashboard',
    ]);
    expect(svc('postgres').healthcheck?.test?.join(' ')).toMatch(/pg_isready -U fleetbench -d fleetbench/);
  });

  it('holds no literal secret: secrets are required ${VARS} from .env, empty in .env.example', () => {
    const required = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$/;
    for (const [name, s] of Object.entries(composeRaw.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (SECRET_KEY.test(key))
          expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(required) });
        const userinfo = /^[a-z]+:\/\/[^:/@]+:([^@]+)@/.exec(String(value));
        if (userinfo)
          expect({ name, key, password: userinfo[1] }).toEqual({
            name,
            key,
            password: expect.stringMatching(required),
          });
      }
    }
    for (const [key, value] of Object.entries(dotenvExample))
      if (SECRET_KEY.test(key)) expect({ key, value }).toEqual({ key, value: '' });
    expect(() => interpolateAll(composeRaw, { ...dotenv, POSTGRES_PASSWORD: '' })).toThrow(/POSTGRES_PASSWORD/);
    expect(() => interpolateAll(composeRaw, { ...dotenv, FLEETBENCH_ADMIN_TOKEN: '' })).toThrow(
      /FLEETBENCH_ADMIN_TOKEN/,
    );
  });

  it('uses exactly the variables .env.example documents', () => {
    const used = new Set([...composeText.matchAll(VARIABLE)].filter((m) => m[0] !== '$$').map((m) => m[1] ?? m[5]));
    expect([...used].sort()).toEqual(Object.keys(dotenvExample).sort());
  });

  it("gives the hub a valid configuration that points at the stack's own postgres and mosquitto", () => {
    const env = svc('hub').environment!;
    for (const key of Object.keys(env)) expect(HUB_ENV).toContain(key);
    const config = loadConfig(env);
    expect(config.mqttDynsec).toBe(true);
    expect(config.adminToken).toBe(dotenv.FLEETBENCH_ADMIN_TOKEN);

    const db = new URL(config.databaseUrl!);
    const pg = svc('postgres').environment!;
    expect([
      db.hostname,
      db.port,
      decodeURIComponent(db.username),
      decodeURIComponent(db.password),
      db.pathname,
    ]).toEqual(['postgres', '5432', pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`]);

    const mqtt = new URL(config.mqttUrl!);
    const entrypoint = read('deploy/compose/mosquitto/entrypoint.sh');
    expect(mqtt.hostname).toBe('mosquitto');
    expect(entrypoint).toContain(`HUB_USER=${decodeURIComponent(mqtt.username)}\n`);
    expect(decodeURIComponent(mqtt.password)).toBe(svc('mosquitto').environment!.MQTT_HUB_PASSWORD);
    expect(svc('mosquitto-setup').environment!.MQTT_URL).toBe(env.MQTT_URL);

    const listener = /^listener (\d+)/m.exec(read('deploy/compose/mosquitto/mosquitto.conf'))![1];
    expect(mqtt.port).toBe(listener);
    expect(svc('mosquitto').ports!.map((p) => p.split(':').pop())).toContain(listener);
    expect(svc('hub').ports!.map((p) => p.split(':').pop())).toContain(String(config.port));

    const dataMount = svc('hub')
      .volumes!.map((v) => v.split(':')[1])
      .find((target) => config.dataDir.startsWith(`${target}/`));
    expect(dataMount).toBeDefined();
  });

  it("points the dashboard at the hub's service and public URL with variables the dashboard reads", () => {
    const env = svc('dashboard').environment!;
    for (const key of Object.keys(env)) expect(DASHBOARD_ENV).toContain(key);
    expect(env.FLEETBENCH_HUB_URL).toBe(`http://hub:${svc('hub').environment!.FLEETBENCH_HUB_PORT}`);
    expect(env.FLEETBENCH_HUB_PUBLIC_URL).toBe(svc('hub').environment!.FLEETBENCH_PUBLIC_URL);
    expect(svc('dashboard').ports!.map((p) => p.split(':').pop())).toContain(env.PORT);
  });

  it("wires Mosquitto's dynamic security: config, entrypoint, data volume and the hub-account step", () => {
    const m = svc('mosquitto');
    const conf = read('deploy/compose/mosquitto/mosquitto.conf');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^plugin \S*mosquitto_dynamic_security\.so$/m);
    const dynsecFile = /^plugin_opt_config_file (\S+)$/m.exec(conf)![1];
    const mounts = Object.fromEntries(m.volumes!.map((v) => v.split(':').slice(0, 2)).map(([s, t]) => [t, s]));
    const dataTarget = Object.keys(mounts).find((t) => dynsecFile.startsWith(`${t}/`));
    expect(dataTarget).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(mounts[dataTarget!]);
    expect(mounts[m.entrypoint![m.entrypoint!.length - 1]]).toBe('./mosquitto/entrypoint.sh');
    const configPath = /CONFIG=\$\{MOSQUITTO_CONFIG:-([^}]+)\}/.exec(
      read('deploy/compose/mosquitto/entrypoint.sh'),
    )![1];
    expect(mounts[configPath]).toBe('./mosquitto/mosquitto.conf');

    // mosquitto-setup runs the hub's own DynsecBrokerAuthority.ensureHubAccount from the hub image.
    const setup = svc('mosquitto-setup');
    expect(setup.build?.target).toBe('hub');
    expect(setup.command).toEqual(['node', 'deploy/mosquitto/ensure-hub-account.cjs']);
    const script = read('deploy/mosquitto/ensure-hub-account.cjs');
    const required = /'(apps\/hub\/dist\/broker\/[^']+)\.js'/.exec(script)![1];
    expect(read(`${required.replace('/dist/', '/src/')}.ts`)).toMatch(/async ensureHubAccount\(/);
    const hubCopies = docker.stages
      .get('hub')!
      .instructions.filter((i) => i.op === 'COPY')
      .flatMap((i) => copyArgs(i.args).sources);
    expect(hubCopies).toContain('deploy/mosquitto/ensure-hub-account.cjs');
  });
});

// ---------------------------------------------------------------------------------------------------------- Helm

const CHART = 'deploy/helm/fleetbench';
const templateFiles = readdirSync(path.join(ROOT, CHART, 'templates')).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f));
const templates = Object.fromEntries(templateFiles.map((f) => [f, read(`${CHART}/templates/${f}`)]));
const values = yaml.load(read(`${CHART}/values.yaml`)) as Record<string, unknown>;

function hasPath(obj: unknown, keys: string[]): boolean {
  let node = obj;
  for (const k of keys) {
    if (!node || typeof node !== 'object' || !(k in node)) return false;
    node = (node as Record<string, unknown>)[k];
  }
  return true;
}
function leafPaths(obj: unknown, prefix: string[] = []): string[][] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || Object.keys(obj).length === 0) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}
/** Names of the environment variables a template sets, literal (`- name: X`) or through fleetbench.secretEnv. */
function templateEnvNames(text: string): string[] {
  return [...text.matchAll(/- name: ([A-Z][A-Z0-9_]+)\s*$|"name" "([A-Z][A-Z0-9_]+)"/gm)].map((m) => m[1] ?? m[2]);
}

describe('deploy/helm/fleetbench', () => {
  it('Chart.yaml is a v2 chart of the current release', () => {
    const chart = yaml.load(read(`${CHART}/Chart.yaml`)) as Record<string, string>;
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('fleetbench');
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+(?:-[\w.]+)?$/);
    expect(chart.appVersion).toBe(rootPkg.version);
  });

  it('every .Values path the templates use exists in values.yaml, and every value is used', () => {
    const all = Object.values(templates).join('\n');
    const refs = [...all.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) => m[1].slice(1));
    expect(refs.length).toBeGreaterThan(40);
    for (const ref of new Set(refs))
      expect({ ref, exists: hasPath(values, ref.split('.')) }).toEqual({ ref, exists: true });
    for (const leaf of leafPaths(values)) {
      const used = refs.some((r) => leaf.join('.') === r || leaf.join('.').startsWith(`${r}.`));
      expect({ value: leaf.join('.'), used }).toEqual({ value: leaf.join('.'), used: true });
    }
  });

  it('templates have balanced actions and blocks', () => {
    for (const [file, text] of Object.entries(templates)) {
      expect({ file, unclosed: text.split('{{').length - text.split('}}').length }).toEqual({ file, unclosed: 0 });
      let depth = 0;
      for (const [, action] of text.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/gs)) {
        if (/^(if|range|with|define|block)\b/.test(action)) depth++;
        else if (/^end\b/.test(action)) depth--;
        expect({ file, depth: Math.min(depth, 0) }).toEqual({ file, depth: 0 });
      }
      expect({ file, depth }).toEqual({ file, depth: 0 });
    }
  });

  it("sets only the hub's and the dashboard's own variables, secrets only through Secret references", () => {
    const hubEnv = templateEnvNames(templates['hub-deployment.yaml']);
    for (const name of hubEnv) expect(HUB_ENV).toContain(name);
    expect(hubEnv).toEqual(
      expect.arrayContaining([
        'DATABASE_URL',
        'MQTT_URL',
        'REDIS_URL',
        'FLEETBENCH_ADMIN_TOKEN',
        'FLEETBENCH_BROKER_HOOK_SECRET',
      ]),
    );
    for (const name of templateEnvNames(templates['dashboard-deployment.yaml'])) expect(DASHBOARD_ENV).toContain(name);
    for (const secret of [
      'DATABASE_URL',
      'MQTT_URL',
      'REDIS_URL',
      'FLEETBENCH_ADMIN_TOKEN',
      'FLEETBENCH_BROKER_HOOK_SECRET',
    ]) {
      expect(templates['hub-deployment.yaml']).toContain(`include "fleetbench.secretEnv" (dict "name" "${secret}"`);
      expect(templates['hub-deployment.yaml']).not.toMatch(new RegExp(`- name: ${secret}\\s*\\n\\s*value:`));
    }
    const secretValues = [
      ['hub', 'adminToken', 'value'],
      ['database', 'url'],
      ['mqtt', 'url'],
      ['redis', 'url'],
      ['brokerHook', 'secret'],
    ];
    for (const keys of secretValues) {
      expect(hasPath(values, keys)).toBe(true);
      expect({ value: keys.join('.'), default: keys.reduce<any>((o, k) => o[k], values) }).toEqual({
        value: keys.join('.'),
        default: '',
      });
      expect(hasPath(values, [...keys.slice(0, -1), 'existingSecret'])).toBe(true);
    }
  });

  it(`probes the hub on ${HEALTH_PATH} and the dashboard on /healthz, and routes ${API_PREFIX} to the hub`, () => {
    const probePaths = (text: string) => [...text.matchAll(/httpGet:\s*\n\s*path: (\S+)/g)].map((m) => m[1]);
    expect(probePaths(templates['hub-deployment.yaml'])).toEqual([HEALTH_PATH, HEALTH_PATH, HEALTH_PATH]);
    expect(probePaths(templates['dashboard-deployment.yaml'])).toEqual(['/healthz', '/healthz']);
    expect(templates['ingress.yaml']).toContain(`"${API_PREFIX}"`);
  });

  it("runs non-root with the hub's data directory on its volume", () => {
    const pod = values.podSecurityContext as Record<string, unknown>;
    expect(pod.runAsNonRoot).toBe(true);
    expect(pod.runAsUser).not.toBe(0);
    expect((values.securityContext as Record<string, unknown>).allowPrivilegeEscalation).toBe(false);
    for (const file of ['hub-deployment.yaml', 'dashboard-deployment.yaml']) {
      expect(templates[file]).toContain('toYaml .Values.podSecurityContext');
      expect(templates[file]).toContain('toYaml .Values.securityContext');
    }
    const hub = templates['hub-deployment.yaml'];
    const dataDir = /- name: FLEETBENCH_DATA_DIR\s*\n\s*value: (\S+)/.exec(hub)![1];
    const dataMount = /- name: data\s*\n\s*mountPath: (\S+)/.exec(hub)![1];
    expect(dataDir.startsWith(`${dataMount}/`)).toBe(true);
    // The image creates the same directory for its `node` user.
    expect(envOf(chain(docker.stages, 'hub')).FLEETBENCH_DATA_DIR).toBe(dataDir);
  });
});
