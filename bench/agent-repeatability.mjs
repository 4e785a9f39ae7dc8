// Repeatability: five latency runs of the agent and five of the bare loop (interleaved); CV of the p50s.
// Target: CV(agent) ≤ 1.2 × CV(bare).  usage: node bench/agent-repeatability.mjs [runs=5] [model=mobilenetv2]
import { agentBench, bare, cv, machine, MODELS } from './agent-common.mjs';

const runs = Number(process.argv[2] ?? 5);
const name = process.argv[3] ?? 'mobilenetv2';
const model = MODELS[name];
console.log(
  `machine: ${machine()}\nmodel ${name}, ${runs} runs each, 1 intra-op thread, ≥300 iterations and ≥2 s per run`,
);
const a = [];
const b = [];
for (let i = 0; i < runs; i++) {
  a.push(
    agentBench(['--model', model, '--threads', '1', '--iterations', '300', '--duration', '2', '--warmup', '50']).metrics
      .latencyMs.p50,
  );
  b.push(bare(model, 1, 300, 2000, 50).p50);
}
console.log(`agent p50s ${a.map((x) => x.toFixed(4)).join(' ')}  CV ${(cv(a) * 100).toFixed(2)} %`);
console.log(`bare  p50s ${b.map((x) => x.toFixed(4)).join(' ')}  CV ${(cv(b) * 100).toFixed(2)} %`);
console.log(`CV ratio agent/bare ${(cv(a) / cv(b)).toFixed(2)}`);
