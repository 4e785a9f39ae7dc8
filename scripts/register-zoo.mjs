#!/usr/bin/env node
// Registers zoo models on a hub as recipes (the hub builds each new one once to learn its sha256; agents build the
// bytes themselves).
//   node scripts/register-zoo.mjs --hub http://localhost:4000 --token T (--family F | --names a,b | --all) [--seed N]
// --hub/--token default to FLEETBENCH_HUB_URL / FLEETBENCH_TOKEN. Prints one line per registered model; exit code 1
// when some model failed, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { HubClient } from './lib/hub-client.mjs';

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      hub: { type: 'string', default: process.env.FLEETBENCH_HUB_URL },
      token: { type: 'string', default: process.env.FLEETBENCH_TOKEN },
      family: { type: 'string' },
      names: { type: 'string' },
      all: { type: 'boolean', default: false },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
const usage = 'usage: register-zoo.mjs --hub URL --token T (--family F | --names a,b | --all) [--seed N] [--json]';
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const selectors = [args.family !== undefined, args.names !== undefined, args.all].filter(Boolean).length;
if (!args.hub || !args.token || selectors !== 1 || !/^\d+$/.test(args.seed)) {
  console.error(usage);
  process.exit(2);
}
const body = {
  ...(args.family !== undefined ? { family: args.family } : {}),
  ...(args.names !== undefined
    ? {
        names: args.names
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      }
    : {}),
  ...(args.all ? { all: true } : {}),
  seed: Number(args.seed),
};
const hub = new HubClient(args.hub, args.token);
const started = Date.now();
const printed = new Set();
try {
  const task = await hub.registerZoo(body, {
    onProgress: (t) => {
      if (args.json) return;
      for (const m of t.models) {
        if (printed.has(m.id)) continue;
        printed.add(m.id);
        const top1 =
          m.referenceMetrics?.top1 != null ? `, published top-1 ${(m.referenceMetrics.top1 * 100).toFixed(1)}%` : '';
        console.log(
          `[${printed.size}/${t.total}] ${m.name}: ${(m.sizeBytes / 2 ** 20).toFixed(1)} MiB, ${((m.flops ?? 0) / 1e9).toFixed(2)} GFLOPs${top1} (id ${m.id})`,
        );
      }
    },
  });
  if (args.json) console.log(JSON.stringify(task, null, 2));
  for (const e of task.errors) console.error(`failed: ${e.name}: ${e.message}`);
  if (!args.json)
    console.log(
      `${task.done}/${task.total} zoo model(s) registered in ${((Date.now() - started) / 1000).toFixed(1)} s (task ${task.id}, ${task.state})`,
    );
  process.exit(task.state === 'completed' ? 0 : 1);
} catch (err) {
  console.error(err.body?.details ? `${err.message}\n${JSON.stringify(err.body.details)}` : err.message);
  process.exit(err.status === 400 ? 2 : 1);
}
