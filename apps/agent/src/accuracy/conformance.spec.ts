import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyseModelIo } from '@fleetbench/protocol';
import { readOnnxSignature } from '@fleetbench/zoo';
import { main } from '../cli';
import { tmpDir } from '../test-support/datasets';
import { sharedPath } from '../../../../test/support/shared-data';

/**
 * Conformance on real models: every ImageNet classifier in shared/data/models runs through `bench --dataset` with a
 * preset name only (input type, layout, size, class axis and label offset read from the model) and reproduces the
 * reference top-1/top-5 of shared/data/MANIFEST.md within ±0.5 pt, and every image's top-1 of
 * shared/data/reference/<model>.top5.json (≥ 98 %; int8 kernels may differ between CPUs). All 1000 images of all
 * models: about 20 s on one core here (bench/accuracy-conformance.mjs prints the table).
 */
const table = JSON.parse(
  readFileSync(path.join(__dirname, '../../../../test/support/imagenet-conformance.json'), 'utf8'),
) as {
  models: Array<{ model: string; preset: string; top1: number; top5: number }>;
  notImageNet: string[];
};

interface Prediction {
  file: string;
  label: number;
  top5: number[];
}

async function bench(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'fleetbench-agent', 'bench', ...args], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

function reference(model: string): Prediction[] {
  const ref = JSON.parse(readFileSync(sharedPath(`reference/${model}.top5.json`), 'utf8')) as
    Prediction[] | { results: Prediction[] };
  return Array.isArray(ref) ? ref : ref.results;
}

describe('conformance: real ImageNet models with a preset name only', () => {
  const env = process.env.FLEETBENCH_AGENT_DATA_DIR;
  const cache = tmpDir('fb-conformance-cache-');
  beforeAll(() => {
    process.env.FLEETBENCH_AGENT_DATA_DIR = tmpDir('fb-conformance-data-');
  });
  afterAll(() => {
    if (env === undefined) delete process.env.FLEETBENCH_AGENT_DATA_DIR;
    else process.env.FLEETBENCH_AGENT_DATA_DIR = env;
  });

  it('covers every model in shared/data/models', () => {
    const files = readdirSync(sharedPath('models'))
      .filter((f) => f.endsWith('.onnx'))
      .map((f) => f.replace(/\.onnx$/, ''));
    expect(files.filter((f) => !table.notImageNet.includes(f)).sort()).toEqual(table.models.map((m) => m.model).sort());
  });

  it.each(table.models)(
    '$model with --preprocess $preset: reference top-1/top-5 ±0.5 pt and per-image top-1 ≥ 98 %',
    async ({ model, preset, top1, top5 }) => {
      const modelPath = sharedPath(`models/${model}.onnx`);
      // The hub proposes the same preset from the signature alone.
      const sig = readOnnxSignature(readFileSync(modelPath))!;
      expect(analyseModelIo(sig.inputs, sig.outputs).proposedPreset).toBe(preset);

      const predictions = path.join(tmpDir('fb-conformance-pred-'), 'p.json');
      const r = await bench(
        '--model',
        modelPath,
        '--dataset',
        sharedPath('imagenet-sample'),
        '--preprocess',
        preset,
        '--threads',
        '1',
        '--cache-dir',
        cache,
        '--predictions',
        predictions,
        '--json',
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.metrics.accuracySamples).toBe(1000);
      expect(Math.abs(out.metrics.top1 - top1)).toBeLessThanOrEqual(0.005);
      expect(Math.abs(out.metrics.top5 - top5)).toBeLessThanOrEqual(0.005);
      expect(out.metrics.scoring.preset).toBe(preset);
      expect(out.metrics.scoring.constantScoreImages).toBe(0);
      expect(out.verdict.reasons.map((x: { code: string }) => x.code)).not.toContain('degenerate-output');

      const mine = new Map((JSON.parse(readFileSync(predictions, 'utf8')) as Prediction[]).map((p) => [p.file, p]));
      const ref = reference(model);
      expect(ref).toHaveLength(1000);
      let sameTop1 = 0;
      let sameTop5 = 0;
      for (const r of ref) {
        const p = mine.get(r.file)!;
        expect(p.label).toBe(r.label);
        if (p.top5[0] === r.top5[0]) sameTop1++;
        if (p.top5.join() === r.top5.join()) sameTop5++;
      }
      expect(sameTop1 / ref.length).toBeGreaterThanOrEqual(0.98);
      expect(sameTop5 / ref.length).toBeGreaterThanOrEqual(0.9);
    },
    120_000,
  );
});
