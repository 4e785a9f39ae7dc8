// Accuracy-run throughput on mobilenetv2-12-int8 and the 1000 ImageNet sample images (batch 1, default threads):
//   warm: images/s of an accuracy run from the preprocessed cache ÷ pure inference images/s   (target ≥ 0.8)
//   cold: images/s of an accuracy run with an empty cache ÷ decode-and-resize images/s on all cores (target ≥ 0.9)
// usage: node bench/agent-accuracy-throughput.mjs   (build first: npx tsc -b apps/agent)
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentBench, machine, MODELS, ROOT, SHARED } from './agent-common.mjs';

const require = createRequire(path.join(ROOT, 'apps/agent/package.json'));
const DATASET = path.join(SHARED, 'imagenet-sample');
console.log(`machine: ${machine()}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

const { loadDataset } = require('./dist/accuracy/dataset.js');
const { warmPixelCache } = require('./dist/accuracy/pixel-cache.js');
const { pixelSpecOf } = require('./dist/accuracy/preprocess.js');
const { PRESETS } = require('./dist/accuracy/presets.js');
const ds = await loadDataset(DATASET);
const decodeDir = mkdtempSync(path.join(os.tmpdir(), 'fb-decode-'));
let t = performance.now();
let cpu = process.cpuUsage();
await warmPixelCache(ds, pixelSpecOf(PRESETS['mobilenetv2-12']), decodeDir);
const decodeIps = (ds.samples.length * 1000) / (performance.now() - t);
cpu = process.cpuUsage(cpu);
const decodeCpuMs = (cpu.user + cpu.system) / 1000 / ds.samples.length;
rmSync(decodeDir, { recursive: true, force: true });

// CPU time of one inference with one intra-op thread (what a cold accuracy run uses), plus the pixel → tensor step.
const ort = require('onnxruntime-node');
const { allocateInput, pixelsToInput } = require('./dist/accuracy/preprocess.js');
const spec = PRESETS['mobilenetv2-12'];
const session = await ort.InferenceSession.create(MODELS.mobilenetv2, { intraOpNumThreads: 1 });
const buf = allocateInput(spec, 1);
const px = new Uint8Array(224 * 224 * 3).map((_, i) => (i * 31) % 256);
const feeds = () => ({ [session.inputNames[0]]: new ort.Tensor('float32', buf, [1, 3, 224, 224]) });
for (let i = 0; i < 20; i++) await session.run(feeds());
cpu = process.cpuUsage();
for (let i = 0; i < 300; i++) {
  pixelsToInput(px, spec, buf, 0);
  await session.run(feeds());
}
cpu = process.cpuUsage(cpu);
const inferCpuMs = (cpu.user + cpu.system) / 1000 / 300;
await session.release();

const pure = agentBench(['--model', MODELS.mobilenetv2, '--iterations', '1000', '--duration', '3', '--warmup', '20'])
  .metrics.throughputIps;

const cache = mkdtempSync(path.join(os.tmpdir(), 'fb-acc-cache-'));
const acc = (label) => {
  const r = agentBench([
    '--model',
    MODELS.mobilenetv2,
    '--dataset',
    DATASET,
    '--preprocess',
    'mobilenetv2-12',
    '--cache-dir',
    cache,
  ]);
  console.log(
    `${label}: top-1 ${(r.metrics.top1 * 100).toFixed(1)} %, top-5 ${(r.metrics.top5 * 100).toFixed(1)} %, end-to-end ${r.metrics.endToEndIps.toFixed(1)} images/s, inference-only ${r.metrics.throughputIps.toFixed(1)} images/s`,
  );
  return r.metrics.endToEndIps;
};
const cold = acc('cold (empty cache)');
const warm = acc('warm (cache)');
rmSync(cache, { recursive: true, force: true });
console.log(`decode+resize+crop on all cores: ${decodeIps.toFixed(1)} images/s`);
console.log(`pure inference (latency mode, batch 1): ${pure.toFixed(1)} images/s`);
console.log(`warm ratio (accuracy from cache ÷ pure inference): ${(warm / pure).toFixed(3)}`);
console.log(`cold ratio (accuracy, empty cache ÷ decode rate): ${(cold / decodeIps).toFixed(3)}`);
console.log(
  `CPU per image: decode+resize+crop ${decodeCpuMs.toFixed(2)} ms (on all cores), inference (1 thread) + tensor fill ${inferCpuMs.toFixed(2)} ms`,
);
console.log(
  `best cold ratio when both are CPU-bound on all cores = decode ÷ (decode + inference) = ${(decodeCpuMs / (decodeCpuMs + inferCpuMs)).toFixed(3)}`,
);
console.log(`load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
