// Agent overhead: `fleetbench-agent bench --json` in its own process vs a bare onnxruntime-node loop in another,
// same model, threads, warm-up and iteration count, interleaved A B A B. Ratio of p50s; target ≤ 1.02.
// usage: node bench/agent-overhead.mjs [pairs=5] [threads=1]   (build first: npx tsc -b apps/agent)
import { agentBench, bare, machine, median, MODELS } from './agent-common.mjs';

const pairs = Number(process.argv[2] ?? 5);
const threads = Number(process.argv[3] ?? 1);
const plan = { mnist: { it: 2000, ms: 2000 }, mobilenetv2: { it: 300, ms: 2000 } };
console.log(`machine: ${machine()}`);
console.log(`pairs ${pairs}, intra-op threads ${threads}, warm-up 50 iterations`);
for (const [name, model] of Object.entries(MODELS)) {
  const { it, ms } = plan[name];
  const a = [];
  const b = [];
  for (let i = 0; i < pairs; i++) {
    const r = agentBench([
      '--model',
      model,
      '--threads',
      String(threads),
      '--iterations',
      String(it),
      '--duration',
      String(ms / 1000),
      '--warmup',
      '50',
    ]);
    a.push(r.metrics.latencyMs.p50);
    b.push(bare(model, threads, it, ms, 50).p50);
  }
  const ratios = a.map((x, i) => x / b[i]);
  console.log(
    `${name.padEnd(12)} agent p50 ${median(a).toFixed(4)} ms  bare p50 ${median(b).toFixed(4)} ms  ratio of medians ${(median(a) / median(b)).toFixed(4)}  per-pair ratios ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
  );
}
