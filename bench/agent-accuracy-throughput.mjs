// Accuracy-run throughput on the 1000 ImageNet sample images (batch 1, default threads):
//   warm: images/s of an accuracy run from the preprocessed cache ÷ pure inference images/s   (target ≥ 0.8)
//   cold: images/s of an accuracy run with an empty cache ÷ decode-and-resize images/s on all cores (target ≥ 0.9)
// Both pairs are measured ROUNDS times, alternating, and the median of the per-round ratios is reported, with the
// CPU time per image of each (process.cpuUsage): on a shared machine the wall-clock rates swing with other
// processes' load, the CPU times much less.
// When inference runs on the same cores as decoding, the cold ratio cannot exceed decode ÷ (decode + inference) CPU
// time per image; the bench prints that bound and the share of it the run reached (the pipeline's efficiency).
// usage: node bench/agent-accuracy-throughput.mjs [ROUNDS=3] [MODEL=mobilenetv2 | zoo:NAME]   (build first:
//   npx tsc -b apps/agent). zoo:NAME builds that zoo model (random weights: its top-1 means nothing, its speed does),
//   e.g. zoo:PPLCNet_x0_25, a model whose inference costs far less CPU than decoding an image.
//   BASELINE_AGENT_DIST=/path/to/other/apps/agent/dist adds the same cold run of another build to every round (A/B).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { agentBench, machine, median, MODELS, ROOT, SHARED } from './agent-common.mjs';

const ROUNDS = Number(process.argv[2] ?? 3);
const MODEL_ARG = process.argv[3] ?? 'mobilenetv2';
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
const { resolveAgainstModel } = require(`${dist}/accuracy/presets.js`);
const { BenchmarkSettingsSchema, inputFacts } = require('@fleetbench/protocol');
const { readOnnxSignature } = require('@fleetbench/zoo');
const { model: MODEL, preset: PRESET, cleanup } = await resolveModel(MODEL_ARG);
// The preset completed with the model's input facts (type, layout, size), as the agent resolves it.
const spec = resolveAgainstModel({ preset: PRESET }, inputFacts(readOnnxSignature(readFileSync(MODEL)).inputs[0]));
console.log(`model ${MODEL_ARG} (${MODEL}), preprocessing preset ${PRESET}`);
const ds = await loadDataset(DATASET);
const n = ds.samples.length;

/** The model file and its preprocessing preset: a model of shared/data, or zoo:NAME built into a temporary folder. */
async function resolveModel(arg) {
  if (MODELS[arg]) return { model: MODELS[arg], preset: 'mobilenetv2-12', cleanup: () => {} };
  if (!arg.startsWith('zoo:')) throw new Error(`MODEL is one of ${Object.keys(MODELS).join(', ')} or zoo:NAME`);
  const { materializeZooModel } = require(`${dist}/artifacts/zoo-artifacts.js`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-zoo-'));
  const built = await materializeZooModel({ cacheDir: dir, recipe: { name: arg.slice(4), seed: 0, variant: 'fp32' } });
  return { model: built.path, preset: 'imagenet', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

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
      modelPath: MODEL,
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
const session = await ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1 });
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

// Warm: an accuracy run from the cache (CLI, default threads) ÷ pure inference (CLI latency mode), ROUNDS pairs in
// alternating order after one run that fills the cache.
const pureRun = () =>
  agentBench(['--model', MODEL, '--iterations', '1000', '--duration', '3', '--warmup', '20']).metrics.throughputIps;
const cache = mkdtempSync(path.join(os.tmpdir(), 'fb-acc-cache-'));
const acc = () =>
  agentBench(['--model', MODEL, '--dataset', DATASET, '--preprocess', PRESET, '--cache-dir', cache]).metrics;
acc(); // fills the cache
const warmPairs = [];
for (let r = 0; r < ROUNDS; r++) {
  let warm, pure;
  if (r % 2) [warm, pure] = [acc(), pureRun()];
  else [pure, warm] = [pureRun(), acc()];
  const pair = { warm, pure };
  warmPairs.push(pair);
  console.log(
    `warm pair ${r + 1} (load ${load()}): accuracy from cache ${pair.warm.endToEndIps.toFixed(1)} images/s end to end ` +
      `(${pair.warm.throughputIps.toFixed(1)} inference-only, top-1 ${(pair.warm.top1 * 100).toFixed(1)} %, top-5 ${(pair.warm.top5 * 100).toFixed(1)} %), ` +
      `pure inference ${pure.toFixed(1)} images/s: ratio ${(pair.warm.endToEndIps / pure).toFixed(3)}`,
  );
}
rmSync(cache, { recursive: true, force: true });
cleanup();

const med = (f) => median(rounds.map(f));
const decodeCpuMs = med((r) => r.decode.cpuMs);
const coldRatio = med((r) => r.cold.ips / r.decode.ips);
const bound = decodeCpuMs / (decodeCpuMs + inferCpuMs);
console.log(
  `warm ratio, median of ${ROUNDS} pairs (accuracy from cache ÷ pure inference): ${median(warmPairs.map((p) => p.warm.endToEndIps / p.pure)).toFixed(3)}`,
);
console.log(
  `cold ratio, median of ${ROUNDS} rounds (accuracy, empty cache ÷ decode rate): ${coldRatio.toFixed(3)}` +
    (rounds[0].base ? `; baseline ${med((r) => r.base.ips / r.decode.ips).toFixed(3)}` : ''),
);
console.log(
  `cold ratio in CPU time (decode CPU ms/image ÷ cold-run CPU ms/image, = the rate ratio when both keep all cores busy): ${(decodeCpuMs / med((r) => r.cold.cpuMs)).toFixed(3)}` +
    (rounds[0].base ? `; baseline ${(decodeCpuMs / med((r) => r.base.cpuMs)).toFixed(3)}` : ''),
);
console.log(
  `CPU per image: decode+resize+crop ${decodeCpuMs.toFixed(2)} ms, inference (1 thread) + tensor fill ${inferCpuMs.toFixed(2)} ms; ` +
    `best cold ratio with inference on these cores = decode ÷ (decode + inference) = ${bound.toFixed(3)}; ` +
    `the cold run reached ${((coldRatio / bound) * 100).toFixed(1)} % of it`,
);
console.log(`load average at end ${load()}`);
