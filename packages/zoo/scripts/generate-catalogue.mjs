#!/usr/bin/env node
// Generates packages/zoo/src/catalogue.generated.ts from the published PaddleClas tables in
// ../shared/data/paddleclas (relative to the repo root), or $FLEETBENCH_SHARED_DATA (the shared data folder, or
// its paddleclas/ subfolder). Nothing is typed by hand: every figure is copied from the CSV cells.
//   node packages/zoo/scripts/generate-catalogue.mjs           write the file
//   node packages/zoo/scripts/generate-catalogue.mjs --check   exit 1 if the committed file is stale
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const out = path.join(here, '../src/catalogue.generated.ts');

function dataDir() {
  const env = process.env.FLEETBENCH_SHARED_DATA;
  const candidates = env ? [path.join(env, 'paddleclas'), env] : [path.resolve(repoRoot, '../shared/data/paddleclas')];
  for (const dir of candidates) if (existsSync(path.join(dir, 'paddleclas_models_extended.csv'))) return dir;
  console.error(
    `paddleclas_models_extended.csv not found in ${candidates.join(' or ')}. Set FLEETBENCH_SHARED_DATA to the shared data folder.`,
  );
  process.exit(1);
}

/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(field), (field = ''));
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      (row.push(field), rows.push(row), (row = []), (field = ''));
    } else field += ch;
  }
  if (field !== '' || row.length) (row.push(field), rows.push(row));
  const [header, ...body] = rows.filter((r) => r.length > 1 || r[0] !== '');
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

const num = (s) => {
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error(`not a number: ${s}`);
  return v;
};
const str = (s) => (s && s.trim() !== '' ? s.trim() : null);

const dir = dataDir();
const extended = parseCsv(readFileSync(path.join(dir, 'paddleclas_models_extended.csv'), 'utf8'));
const base = parseCsv(readFileSync(path.join(dir, 'paddleclas_models.csv'), 'utf8'));

// The extended CSV is a superset of the base one: check that every shared cell agrees.
const byName = new Map(extended.map((r) => [r.model, r]));
for (const r of base) {
  const e = byName.get(r.model);
  if (!e) throw new Error(`${r.model} is in paddleclas_models.csv but not in the extended CSV`);
  for (const [k, v] of Object.entries(r)) if (e[k] !== v) throw new Error(`${r.model}.${k}: ${v} ≠ ${e[k]}`);
}
const inBase = new Set(base.map((r) => r.model));

// The 2.3 overview files PP-LCNet/ESNet under section headings ("3. PP-LCNet series", "5. Mobile series",
// "2.3 Intel-CPU-side knowledge distillation model"); name those families after the model instead.
const familyName = (f, model) => {
  if (/^PPLCNet/.test(model)) return 'PP-LCNet';
  if (/^ESNet/.test(model)) return 'ESNet';
  return f;
};

const entries = extended.map((r) => ({
  name: r.model,
  family: familyName(r.family, r.model),
  in117: r.in_original_117_list === 'yes',
  inBaseCsv: inBase.has(r.model),
  inputSize: num(r.input_size),
  resizeShort: num(r.resize_short),
  reference: { top1: num(r.top1), top5: num(r.top5), source: `PaddleClas ${r.source_path || r.v23_source_path}` },
  paperReference: { top1: num(r.ref_top1), top5: num(r.ref_top5) },
  v23Reference: { top1: num(r.v23_top1), top5: num(r.v23_top5), source: str(r.v23_source_path) },
  params: { v20M: num(r.params_m), v23M: num(r.v23_params_m) },
  flops: { v20G: num(r.flops_g), v23G: num(r.v23_flops_g_paddleflops) },
  publishedLatencies: {
    'paddleclas-sd855-lite-fp32-t1': num(r.sd855_latency_ms),
    'paddleclas-v100-trt-fp32': num(r.v100_trt_fp32_bs1_ms),
    'paddleclas-t4-trt-fp32-bs1': num(r.t4_fp32_bs1_ms),
    'paddleclas-t4-trt-fp32-bs4': num(r.t4_fp32_bs4_ms),
    'paddleclas-t4-trt-fp32-bs8': num(r.t4_fp32_bs8_ms),
    'paddleclas-t4-trt-fp16-bs1': num(r.t4_fp16_bs1_ms),
    'paddleclas-t4-trt-fp16-bs4': num(r.t4_fp16_bs4_ms),
    'paddleclas-t4-trt-fp16-bs8': num(r.t4_fp16_bs8_ms),
    'paddleclas23-v100-trt-fp32-bs1': num(r.v23_v100_trt_fp32_bs1_ms),
    'paddleclas23-v100-trt-fp32-bs4': num(r.v23_v100_trt_fp32_bs4_ms),
    'paddleclas23-v100-trt-fp32-bs8': num(r.v23_v100_trt_fp32_bs8_ms),
    'paddleclas23-sd855-lite-t1': num(r.v23_sd855_thread1_ms),
    'paddleclas23-sd855-lite-t2': num(r.v23_sd855_thread2_ms),
    'paddleclas23-sd855-lite-t4': num(r.v23_sd855_thread4_ms),
    'paddleclas23-xeon6148-bs1': num(r.v23_xeon6148_bs1_ms),
  },
  sd855StorageMb: num(r.sd855_storage_mb),
  pretrainedUrl: str(r.pretrained_url),
  provenance: {
    csv: 'paddleclas_models_extended.csv',
    sourcePath: str(r.source_path),
    v23SourcePath: str(r.v23_source_path),
    csvFamily: str(r.family),
    docGroup: str(r.doc_group),
    inputSizeSource: str(r.input_size_source),
    notes: str(r.notes),
  },
}));

let text =
  '// GENERATED by packages/zoo/scripts/generate-catalogue.mjs from paddleclas_models_extended.csv — do not edit.\n' +
  `// ${entries.length} models (${entries.filter((e) => e.in117).length} of the original 117-model list).\n` +
  "import type { CatalogueEntry } from './catalogue.types';\n\n" +
  `export const CATALOGUE_ENTRIES: CatalogueEntry[] = ${JSON.stringify(entries, null, 2)};\n`;

// Format as the repo's prettier would, so `npm run format` and `--check` agree with each other.
try {
  const prettier = await import('prettier');
  text = await prettier.format(text, { ...((await prettier.resolveConfig(out)) ?? {}), filepath: out });
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
}

if (process.argv.includes('--check')) {
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(repoRoot, out)} is stale: run node packages/zoo/scripts/generate-catalogue.mjs`);
    process.exit(1);
  }
  console.log('catalogue.generated.ts is up to date');
} else {
  writeFileSync(out, text);
  console.log(`wrote ${path.relative(repoRoot, out)}: ${entries.length} models`);
}
