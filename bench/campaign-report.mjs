// Campaign report: time to build and render the HTML of a synthetic campaign at the report's limit (5000 results:
// 50 models × 4 hardware classes × 25 devices' results, half of them with accuracy), and the file's size. Pure
// computation (no database), from the hub's compiled code; prints the median of several runs.
// usage: npx tsc -b tsconfig.build.json && node bench/campaign-report.mjs [--runs N]   (default 7)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { buildCampaignReport } = require('../apps/hub/dist/utils/campaign-report.js');
const { renderCampaignReport } = require('../apps/hub/dist/utils/report-html.js');
const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 7;

const settings = {
  mode: 'latency',
  batchSize: 1,
  intraOpThreads: 0,
  interOpThreads: 0,
  executionProvider: 'cpu',
  graphOptimizationLevel: 'all',
  warmupIterations: 10,
  minIterations: 100,
  minDurationMs: 1000,
  maxDurationMs: 60000,
  seed: 1,
};
const classes = Array.from({ length: 4 }, (_, i) => ({ id: `hc-${i}`, name: `Class ${i}` }));
const devices = Array.from({ length: 20 }, (_, i) => ({
  id: `d-${i}`,
  name: `device-${i}`,
  hardware: {},
  software: {},
  hardwareClass: classes[i % 4],
}));
const models = Array.from({ length: 50 }, (_, i) => ({
  id: `m-${i}`,
  name: `Model_${i}_x1_0`,
  family: null,
  referenceMetrics: { top1: 0.5 + i / 200 },
}));
const jobs = [];
const results = [];
for (let n = 0; n < 5000; n++) {
  const device = devices[n % devices.length];
  const model = models[Math.floor(n / devices.length) % models.length];
  const p50 = 1 + (n % 50) + Math.random();
  const latency = Math.floor(n / 1000) % 2 === 1; // blocks of 1000: every model × device under each key
  jobs.push({
    state: 'succeeded',
    settingsKey: latency ? 'latency/bs1' : 'accuracy/bs1',
    device,
    model: { id: model.id, name: model.name },
  });
  results.push({
    id: `r-${n}`,
    msgId: `m-${n}`,
    jobId: `j-${n}`,
    deviceId: device.id,
    modelId: model.id,
    hardwareClassId: device.hardwareClass.id,
    settingsKey: latency ? 'latency/bs1' : 'accuracy/bs1',
    settings,
    metrics: { latencyMs: { p95: p50 * 1.3 } },
    p50Ms: p50,
    p90Ms: p50 * 1.2,
    p99Ms: p50 * 1.5,
    throughputIps: 1000 / p50,
    top1: latency ? null : 0.6,
    top5: latency ? null : 0.8,
    environment: { modelSha256: 'a'.repeat(64), executionProvider: 'cpu' },
    verdictStatus: n % 9 ? 'valid' : 'flagged',
    verdictReasons: n % 9 ? [] : [{ code: 'busy', detail: '' }],
    measuredAt: new Date(),
    device: { name: device.name },
    model,
    hardwareClass: device.hardwareClass,
  });
}
const campaign = { id: 'c', name: 'bench', state: 'completed', createdAt: new Date(), updatedAt: new Date(), jobs };

const times = [];
let html = '';
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  html = renderCampaignReport(buildCampaignReport(campaign, results, { hubUrl: 'http://hub:4000', now: new Date() }));
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores (shared machine)`);
console.log(
  `5000 results, 50 models, 4 classes × 2 keys: median ${times[times.length >> 1].toFixed(0)} ms ` +
    `(min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}) over ${runs} runs; ` +
    `${(Buffer.byteLength(html) / 2 ** 20).toFixed(2)} MiB of HTML, ${(html.match(/<svg /g) ?? []).length} SVG figures`,
);
