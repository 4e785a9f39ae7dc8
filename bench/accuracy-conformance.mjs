// Accuracy conformance on real models: every ImageNet classifier of shared/data/models (test/support/
// imagenet-conformance.json) through the agent's `bench --dataset` with a preset name only, against the reference
// top-1/top-5 of shared/data/MANIFEST.md (±0.5 pt) and the per-image top-5 of shared/data/reference/<model>.top5.json.
// Prints one markdown table row per model and the wall time of each run (cold: a fresh pixel cache per run).
// usage: npx tsc -b apps/agent && node bench/accuracy-conformance.mjs [--threads N]   (default 1)
//   taskset -c 0 node bench/accuracy-conformance.mjs   measures the CI cost on one core.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentBench, machine, ROOT, SHARED } from './agent-common.mjs';

const threads = process.argv.includes('--threads') ? process.argv[process.argv.indexOf('--threads') + 1] : '1';
const table = JSON.parse(readFileSync(path.join(ROOT, 'test/support/imagenet-conformance.json'), 'utf8'));
const reference = (model) => {
  const ref = JSON.parse(readFileSync(path.join(SHARED, `reference/${model}.top5.json`), 'utf8'));
  return Array.isArray(ref) ? ref : ref.results;
};
const pct = (x) => (x * 100).toFixed(1);
const work = mkdtempSync(path.join(os.tmpdir(), 'fb-conformance-'));
console.log(`machine: ${machine()}; intra-op threads ${threads}; load average ${os.loadavg()[0].toFixed(2)}`);
console.log('');
console.log(
  '| model | preset | top-1 (ref) | top-5 (ref) | per-image top-1 agreement | per-image ordered top-5 identical | input read | output scored, offset | wall s | within ±0.5 pt |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
let failed = 0;
let total = 0;
try {
  for (const { model, preset, top1, top5 } of table.models) {
    const predictions = path.join(work, `${model}.json`);
    const cache = mkdtempSync(path.join(work, 'cache-'));
    const t = performance.now();
    const out = agentBench([
      '--model',
      path.join(SHARED, `models/${model}.onnx`),
      '--dataset',
      path.join(SHARED, 'imagenet-sample'),
      '--preprocess',
      preset,
      '--threads',
      threads,
      '--cache-dir',
      cache,
      '--predictions',
      predictions,
    ]);
    const wall = (performance.now() - t) / 1000;
    total += wall;
    const mine = new Map(JSON.parse(readFileSync(predictions, 'utf8')).map((p) => [p.file, p]));
    const ref = reference(model);
    const same1 = ref.filter((r) => mine.get(r.file)?.top5[0] === r.top5[0]).length;
    const same5 = ref.filter((r) => mine.get(r.file)?.top5.join() === r.top5.join()).length;
    const m = out.metrics;
    const s = m.scoring;
    const ok =
      Math.abs(m.top1 - top1) <= 0.005 && Math.abs(m.top5 - top5) <= 0.005 && same1 / ref.length >= 0.98 ? 'yes' : 'NO';
    if (ok !== 'yes') failed++;
    console.log(
      `| ${model} | ${preset} | ${pct(m.top1)} (${pct(top1)}) | ${pct(m.top5)} (${pct(top5)}) | ${same1}/${ref.length} | ${same5}/${ref.length} | ${s.input.dtype} ${s.input.layout} ${s.input.crop}² (resize ${s.input.resizeShorter}) | ${s.output} [${s.outputShape.join(',')}], offset ${s.labelOffset} | ${wall.toFixed(1)} | ${ok} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('');
console.log(
  `total wall time ${total.toFixed(1)} s for ${table.models.length} models × 1000 images (cold pixel cache each)`,
);
process.exitCode = failed ? 1 : 0;
