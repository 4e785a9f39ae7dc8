#!/usr/bin/env node
// Built vs published: builds every zoo model (deterministic weights, seed 0) and prints its parameter and FLOPs
// counts against PaddleClas's published figures, the models within tolerance, the five worst with reasons, and
// the time and size to build the largest model.
//   node bench/zoo-built-vs-published.mjs                 build every model (about 7 G weights; minutes)
//   node bench/zoo-built-vs-published.mjs --counts-only   counts from the graph definitions only (seconds)
//   node bench/zoo-built-vs-published.mjs --out DIR       also write each .onnx (and external data) to DIR
//   node bench/zoo-built-vs-published.mjs --json FILE     also write the rows as JSON
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const countsOnly = args.includes('--counts-only');
const outDir = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : null;
const jsonFile = args.includes('--json') ? path.resolve(args[args.indexOf('--json') + 1]) : null;

// The zoo is TypeScript: compile it (incremental, a no-op when up to date) and load the CommonJS output.
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/zoo'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
const zoo = createRequire(import.meta.url)(path.join(root, 'packages/zoo/dist/index.js'));

const pct = (d) => `${d >= 0 ? '+' : ''}${(100 * d).toFixed(1)}%`;
const fmt = (m, digits) =>
  m ? `${m.ours.toFixed(digits)} vs ${m.published} (${m.figure}, ${pct(m.deviation)})` : 'not published';
const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;

const names = zoo.listBuildableModels();
const rows = [];
let largest = null;
const started = Date.now();
console.log(
  `${'model'.padEnd(34)} ${'family'.padEnd(20)} ${'params M (ours vs published)'.padEnd(36)} ${'GFLOPs (ours vs published)'.padEnd(36)} ${countsOnly ? '' : 'build s   size'}`,
);
for (const name of names) {
  const c = zoo.checkCounts(name);
  const row = { ...c, buildSeconds: null, sizeBytes: null, sha256: null };
  if (!countsOnly) {
    const t0 = process.hrtime.bigint();
    const built = zoo.buildModel({ name });
    row.buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    row.sizeBytes = built.bytes.length + built.externalData.reduce((s, f) => s + f.bytes.length, 0);
    row.sha256 = built.sha256;
    row.externalFiles = built.externalData.length;
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(path.join(outDir, `${name}.onnx`), built.bytes);
      for (const f of built.externalData) writeFileSync(path.join(outDir, f.path), f.bytes);
    }
    const d = zoo.describeArchitecture(name);
    if (!largest || d.params > largest.params)
      largest = {
        name,
        params: d.params,
        seconds: row.buildSeconds,
        bytes: row.sizeBytes,
        external: built.externalData.length,
      };
  }
  rows.push(row);
  const mark = c.ok ? ' ' : c.exception ? 'E' : '!';
  console.log(
    `${mark}${name.padEnd(33)} ${c.family.padEnd(20)} ${fmt(c.params, 2).padEnd(36)} ${fmt(c.flops, 3).padEnd(36)} ` +
      (countsOnly ? '' : `${row.buildSeconds.toFixed(2).padStart(7)} ${mb(row.sizeBytes).padStart(11)}`),
  );
}

const ok = rows.filter((r) => r.ok);
const ok117 = rows.filter((r) => r.ok && r.in117);
const missing = zoo.catalogue.filter((e) => !zoo.hasArchitecture(e.name));
console.log('\nSummary');
console.log(
  `  models built: ${rows.length} of ${zoo.catalogue.length} in the catalogue (${rows.filter((r) => r.in117).length} of the original 117)`,
);
console.log(
  `  within tolerance (params ±${zoo.PARAMS_TOLERANCE * 100}%, FLOPs ±${zoo.FLOPS_TOLERANCE * 100}%): ${ok.length}/${rows.length} (${((100 * ok.length) / rows.length).toFixed(1)}%); original 117: ${ok117.length}/117`,
);
console.log('  worst five:');
for (const r of [...rows].sort((a, b) => b.worst - a.worst).slice(0, 5)) {
  const why = r.exception ?? (r.ok ? 'within tolerance' : 'UNEXPLAINED mismatch');
  console.log(`    ${r.name}: params ${fmt(r.params, 2)}; FLOPs ${fmt(r.flops, 3)}\n      ${why}`);
}
const fams = [...new Set(missing.map((e) => e.family))];
console.log(`  no builder yet (${missing.length} models, catalogue only): ${fams.join(', ')}`);
if (largest) {
  console.log(
    `  largest model: ${largest.name} (${(largest.params / 1e6).toFixed(1)}M params) built in ${largest.seconds.toFixed(1)} s, ` +
      `${mb(largest.bytes)} (${largest.external} external data file${largest.external === 1 ? '' : 's'})`,
  );
  console.log(
    `  all builds: ${((Date.now() - started) / 1000).toFixed(0)} s on ${process.platform}/${process.arch}, node ${process.version}`,
  );
}
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(rows, null, 2));
