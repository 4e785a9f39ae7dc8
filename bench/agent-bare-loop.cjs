// The reference for bench/agent-overhead.mjs and agent-repeatability.mjs: a bare onnxruntime-node loop with the
// same timed region as the agent (`await session.run(feeds)` between two performance.now() calls), same input
// generator and threads. Prints {"p50": ms, "count": n} on stdout.
// usage: node bench/agent-bare-loop.cjs MODEL THREADS MIN_ITERATIONS MIN_DURATION_MS WARMUP
'use strict';
const { createRequire } = require('node:module');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const agentRequire = createRequire(path.join(__dirname, '..', 'apps', 'agent', 'package.json'));
const ort = agentRequire('onnxruntime-node');
const { fillData, mulberry32, resolveShape } = agentRequire('./dist/runner/input-data.js');

(async () => {
  const [model, threads, minIter, minMs, warmup] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(Number(threads) > 0 ? { intraOpNumThreads: Number(threads) } : {}),
  });
  const random = mulberry32(1);
  const feeds = {};
  for (const meta of session.inputMetadata) {
    const shape = resolveShape(meta.shape, 1);
    feeds[meta.name] = new ort.Tensor(
      meta.type,
      fillData(
        meta.type,
        shape.reduce((a, b) => a * b, 1),
        random,
      ),
      shape,
    );
  }
  await session.run(feeds);
  for (let i = 0; i < Number(warmup); i++) await session.run(feeds);
  const lat = [];
  const start = performance.now();
  while (lat.length < Number(minIter) || performance.now() - start < Number(minMs)) {
    const t = performance.now();
    await session.run(feeds);
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const p50 = lat[Math.ceil(0.5 * lat.length) - 1];
  process.stdout.write(`${JSON.stringify({ p50, count: lat.length })}\n`);
})();
