// Idle agent: `fleetbench-agent run` connected to an in-process aedes broker, no jobs, for ~30 s after start-up.
// Reports RSS and CPU (% of one core) of the agent process from /proc. Target: < 80 MB, < 0.5 %.
// usage: node bench/agent-idle.mjs [seconds=30]   (build first: npx tsc -b apps/agent)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import { CLI, machine } from './agent-common.mjs';

const seconds = Number(process.argv[2] ?? 30);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-idle-'));
const config = path.join(dir, 'agent.json');
writeFileSync(
  config,
  JSON.stringify({
    hubUrl: 'http://127.0.0.1:9',
    agentId: 'idle-bench',
    name: 'idle',
    dataDir: path.join(dir, 'data'),
    mqtt: { url: `mqtt://127.0.0.1:${port}`, username: 'idle-bench', password: 'x' },
  }),
);
let birth = false;
broker.on('publish', (p) => {
  if (p.topic.endsWith('/hardware')) birth = true;
});
const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
  stdio: 'ignore',
  env: { ...process.env, LOG_LEVEL: 'warn' },
});
const ticks = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
};
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;
const start = Date.now();
while (!birth && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 2000)); // let start-up settle
const t0 = ticks();
const w0 = performance.now();
let maxRss = 0;
while (performance.now() - w0 < seconds * 1000) {
  maxRss = Math.max(maxRss, rss());
  await new Promise((r) => setTimeout(r, 500));
}
const cpu = ((ticks() - t0) / 100 / ((performance.now() - w0) / 1000)) * 100;
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
server.close();
await new Promise((r) => broker.close(r));
console.log(`machine: ${machine()}`);
console.log(
  `connected: ${birth}; idle ${seconds} s: CPU ${cpu.toFixed(3)} % of one core, RSS max ${(maxRss / 2 ** 20).toFixed(1)} MiB (VmHWM incl. start-up ${(hwm / 2 ** 20).toFixed(1)} MiB)`,
);
