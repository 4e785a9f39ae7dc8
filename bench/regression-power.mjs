#!/usr/bin/env node
// Regression watch: how often the p50 comparison (packages/protocol/src/change-detection.ts) marks a change between
// two runs, for true shifts of 0 % (false alarms), 3 %, 5 % and 10 %, at the sample counts the agent records (its
// minimum is 100 iterations) and latency spreads from steady (σ 2 %) to noisy (σ 10 %). Each run is a synthetic HDR
// histogram: log-normal latencies with 3 % slow outliers (1.3–3×), recorded at 1 part in 1000, seeded (repeatable).
//   node bench/regression-power.mjs            200 pairs per cell (50 at n = 10 000); about a minute
//   node bench/regression-power.mjs --quick    50 pairs per cell
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/protocol'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const p = createRequire(import.meta.url)(path.join(root, 'packages/protocol/dist/index.js'));

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function run(seed, n, medianUs, sigma) {
  const r = rng(seed);
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    let v = medianUs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
    if (r() < 0.03) v *= 1.3 + 1.7 * r();
    const mag = 10 ** (Math.floor(Math.log10(v)) - 3);
    const b = Math.round(v / mag) * mag;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const buckets = [...counts].sort((a, b) => a[0] - b[0]).map(([value, count]) => ({ value, count }));
  return p.medianEstimate(p.rankedFromBuckets(buckets));
}

const shifts = [0, 0.03, 0.05, 0.1];
console.log(
  `p50 regression watch: share of run pairs marked a regression (confidence ${p.CHANGE_DEFAULTS.confidence}, least move ${p.CHANGE_DEFAULTS.minRelative.p50Ms * 100} %)`,
);
console.log(['n', 'σ', 'pairs', ...shifts.map((s) => `shift ${s * 100} %`)].map((c) => c.padStart(12)).join(''));
const t0 = performance.now();
for (const n of [100, 400, 1000, 10000]) {
  for (const sigma of [0.02, 0.05, 0.1]) {
    const pairs = quick ? 50 : n >= 10000 ? 50 : 200;
    const cells = shifts.map((shift) => {
      let marked = 0;
      for (let s = 0; s < pairs; s++) {
        const a = p.assessChange('p50Ms', run(2 * s + 1, n, 1000, sigma), run(2 * s + 2, n, 1000 * (1 + shift), sigma));
        if (a.kind === 'regression') marked++;
      }
      return `${((100 * marked) / pairs).toFixed(1)} %`;
    });
    console.log([n, sigma, pairs, ...cells].map((c) => String(c).padStart(12)).join(''));
  }
}
console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
