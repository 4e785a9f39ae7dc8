// Accuracy-run throughput on mobilenetv2-12-int8 and the 1000 ImageNet sample images (batch 1, default threads):
//   warm: images/s of an accuracy run from the preprocessed cache ÷ pure inference images/s   (target ≥ 0.8)
//   cold: images/s of an accuracy run with an empty cache ÷ decode-and-resize images/s on all cores (target ≥ 0.9)
// The cold pair (decode pass, cold run) is measured ROUNDS times back to back in this process, alternating, and the
// median of the per-round ratios is reported, with the CPU time per image of each (process.cpuUsage): on a shared
// machine the wall-clock rates swing with other processes' load, the CPU times much less.
// usage: node bench/agent-accuracy-throughput.mjs [ROUNDS=3]   (build first: npx tsc -b apps/agent)
//   BASELINE_AGENT_DIST=/path/to/other/apps/agent/dist adds the same cold run of another build to every round (A/B).
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentBench, machine, median, MODELS, ROOT, SHARED } from './agent-common.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const require = createRequire(path.join(ROOT, 'apps/agent/package.json'));
const DATASET = path.join(SHARED, 'imagenet-sample');
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`machine: ${machine()}; load average at start ${load()}`);

const dist = path.join(ROOT, 'apps/agent/dist');
const { loadDataset } = require(`${dist}/accuracy/dataset.js`);
const { warmPixelCache } = require(`${dist}/accuracy/pixel-cache.js`);
const { pixelSpecOf, allocateInput, pixelsToInput } = require(`${dist}/accuracy/preprocess.js`);
const { PRESETS } = require(`${dist}/accuracy/presets.js`);
const { BenchmarkSettingsSchema } = require('@fleetbench/protocol');
const spec = PRESETS['mobilenetv2-12'];
const ds = await loadDataset(DATASET);
const n = ds.samples.length;

/** Runs fn, returns [result, wall ms, CPU ms of this process]. */
async function timed(fn) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const r = await fn();
  const c = process.cpuUsage(cpu);
  return [r, performance.now() - t, (c.user + c.system) / 1000];
}

async function decodePass() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-decode-'));
  const [, ms, cpu] = await timed(() => warmPixelCache(ds, pixelSpecOf(spec), dir));
  rmSync(dir, { recursive: true, force: true });
  return { ips: (n * 1000) / ms, cpuMs: cpu / n };
}

async function coldRun(agentDist) {
  const { OnnxRunner } = require(`${agentDist}/runner/onnx-runner.js`);
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fb-acc-cold-'));
  const [out, , cpu] = await timed(() =>
    new OnnxRunner({ environment: null, pixelCacheDir: cache }).run({
      modelPath: MODELS.mobilenetv2,
      modelSha256: 'c'.repeat(64),
      settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy', warmupIterations: 2 }),
      preprocessing: spec,
      dataset: { path: DATASET },
      signal: new AbortController().signal,
      onProgress: () => {},
    }),
  );
  rmSync(cache, { recursive: true, force: true });
  const m = out.metrics;
  return { ips: m.endToEndIps, cpuMs: cpu / n, top1: m.top1, top5: m.top5, threads: out.environment.intraOpThreads };
}

const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const decode = await decodePass();
  const cold = await coldRun(dist);
  const base = process.env.BASELINE_AGENT_DIST ? await coldRun(process.env.BASELINE_AGENT_DIST) : null;
  rounds.push({ decode, cold, base });
  console.log(
    `round ${r + 1} (load ${load()}): decode ${decode.ips.toFixed(1)} images/s (${decode.cpuMs.toFixed(2)} CPU ms/image), ` +
      `cold ${cold.ips.toFixed(1)} images/s (${cold.cpuMs.toFixed(2)} CPU ms/image, intra-op threads ${cold.threads}, top-1 ${(cold.top1 * 100).toFixed(1)} %, top-5 ${(cold.top5 * 100).toFixed(1)} %): ratio ${(cold.ips / decode.ips).toFixed(3)}` +
      (base
        ? `; baseline cold ${base.ips.toFixed(1)} images/s (${base.cpuMs.toFixed(2)} CPU ms/image, threads ${base.threads}, top-1 ${(base.top1 * 100).toFixed(1)} %): ratio ${(base.ips / decode.ips).toFixed(3)}`
        : ''),
  );
}

// CPU time of one inference with one intra-op thread (what a cold accuracy run uses), plus the pixel → tensor step.
const ort = require('onnxruntime-node');
const session = await ort.InferenceSession.create(MODELS.mobilenetv2, { intraOpNumThreads: 1 });
const buf = allocateInput(spec, 1);
const px = new Uint8Array(224 * 224 * 3).map((_, i) => (i * 31) % 256);
const feeds = () => ({ [session.inputNames[0]]: new ort.Tensor('float32', buf, [1, 3, 224, 224]) });
for (let i = 0; i < 20; i++) await session.run(feeds());
const [, , inferCpu] = await timed(async () => {
  for (let i = 0; i < 300; i++) {
    pixelsToInput(px, spec, buf, 0);
    await session.run(feeds());
  }
});
const inferCpuMs = inferCpu / 300;
await session.release();

// Warm: an accuracy run from the cache (CLI, default threads) ÷ pure inference (CLI latency mode).
const pure = agentBench(['--model', MODELS.mobilenetv2, '--iterations', '1000', '--duration', '3', '--warmup', '20'])
  .metrics.throughputIps;
const cache = mkdtempSync(path.join(os.tmpdir(), 'fb-acc-cache-'));
const acc = () =>
  agentBench([
    '--model',
    MODELS.mobilenetv2,
    '--dataset',
    DATASET,
    '--preprocess',
    'mobilenetv2-12',
    '--cache-dir',
    cache,
  ]).metrics;
acc(); // fills the cache
const warm = acc();
rmSync(cache, { recursive: true, force: true });

const med = (f) => median(rounds.map(f));
const decodeCpuMs = med((r) => r.decode.cpuMs);
console.log(
  `warm: ${warm.endToEndIps.toFixed(1)} images/s end to end (${warm.throughputIps.toFixed(1)} inference-only), top-1 ${(warm.top1 * 100).toFixed(1)} %, top-5 ${(warm.top5 * 100).toFixed(1)} %`,
);
console.log(`pure inference (latency mode, batch 1): ${pure.toFixed(1)} images/s`);
console.log(`warm ratio (accuracy from cache ÷ pure inference): ${(warm.endToEndIps / pure).toFixed(3)}`);
console.log(
  `cold ratio, median of ${ROUNDS} rounds (accuracy, empty cache ÷ decode rate): ${med((r) => r.cold.ips / r.decode.ips).toFixed(3)}` +
    (rounds[0].base ? `; baseline ${med((r) => r.base.ips / r.decode.ips).toFixed(3)}` : ''),
);
console.log(
  `cold ratio in CPU time (decode CPU ms/image ÷ cold-run CPU ms/image, = the rate ratio when both keep all cores busy): ${(decodeCpuMs / med((r) => r.cold.cpuMs)).toFixed(3)}` +
    (rounds[0].base ? `; baseline ${(decodeCpuMs / med((r) => r.base.cpuMs)).toFixed(3)}` : ''),
);
console.log(
  `CPU per image: decode+resize+crop ${decodeCpuMs.toFixed(2)} ms, inference (1 thread) + tensor fill ${inferCpuMs.toFixed(2)} ms; ` +
    `best cold ratio = decode ÷ (decode + inference) = ${(decodeCpuMs / (decodeCpuMs + inferCpuMs)).toFixed(3)}`,
);
console.log(`load average at end ${load()}`);
