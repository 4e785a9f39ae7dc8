// Sustained-mode overhead (issue 13): `bench --sustained` (intervals recorded, CPU frequency and temperature read
// between runs, energy sources probed) vs the burst loop for the same time, same model and threads, interleaved
// A B A B in separate processes. Ratio of the throughput medians (sustained ÷ burst); target ≥ 0.98.
// usage: node bench/sustained-overhead.mjs [pairs=3] [seconds=6] [interval=1s]   (build first: npx tsc -b apps/agent)
import { agentBench, machine, median, MODELS } from './agent-common.mjs';

const pairs = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 6);
const interval = process.argv[4] ?? '1s';
console.log(`machine: ${machine()}`);
console.log(`pairs ${pairs}, ${seconds} s per run, intervals of ${interval}, 1 intra-op thread, warm-up 50 iterations`);
for (const [name, model] of Object.entries(MODELS)) {
  const common = ['--model', model, '--threads', '1', '--warmup', '50'];
  const burst = [];
  const sustained = [];
  let intervals = 0;
  for (let i = 0; i < pairs; i++) {
    // Alternate which runs first, so a load pattern on a shared machine does not favour one side.
    const runBurst = () =>
      burst.push(
        agentBench([...common, '--iterations', '1', '--duration', String(seconds), '--max-duration', String(seconds)])
          .metrics.throughputIps,
      );
    let s;
    const runSustained = () => {
      s = agentBench([...common, '--sustained', `${seconds}s`, '--sustained-interval', interval]);
      sustained.push(s.metrics.throughputIps);
    };
    if (i % 2) {
      runSustained();
      runBurst();
    } else {
      runBurst();
      runSustained();
    }
    intervals = s.metrics.sustained.intervals.length;
  }
  const ratios = sustained.map((x, i) => x / burst[i]);
  console.log(
    `${name.padEnd(12)} burst ${median(burst).toFixed(1)} img/s  sustained ${median(sustained).toFixed(1)} img/s (${intervals} intervals)  ratio of medians ${(median(sustained) / median(burst)).toFixed(4)}  per-pair ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
  );
}
