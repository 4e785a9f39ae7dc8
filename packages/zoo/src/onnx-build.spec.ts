/**
 * Builds real ONNX models and runs them in onnxruntime-node: the smallest model of every family, determinism of
 * the bytes, and ONNX external data.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { recipeFor } from './architectures/registry';
import { GraphBuilder } from './graph/graph-builder';
import { serialise } from './graph/onnx-serialiser';
import { buildModel, catalogue, describeArchitecture, listBuildableModels, ZooError } from './index';

function smallestPerFamily(): string[] {
  const best = new Map<string, { name: string; params: number }>();
  for (const name of listBuildableModels()) {
    const d = describeArchitecture(name);
    const cur = best.get(d.family);
    if (!cur || d.params < cur.params) best.set(d.family, { name, params: d.params });
  }
  return [...best.values()].map((v) => v.name);
}

function input(batch: number, size: number): ort.Tensor {
  const data = new Float32Array(batch * 3 * size * size);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return new ort.Tensor('float32', data, [batch, 3, size, size]);
}

async function run(model: Uint8Array | string, size: number, batch = 1): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(model as Uint8Array, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    graphOptimizationLevel: 'basic',
  });
  try {
    const out = await session.run({ [session.inputNames[0]!]: input(batch, size) });
    return out[session.outputNames[0]!]!;
  } finally {
    await session.release();
  }
}

describe('ONNX builds', () => {
  const families = smallestPerFamily();

  it('covers every family with a builder', () => {
    expect(families.length).toBeGreaterThanOrEqual(25);
  });

  it.each(families)(
    '%s loads in onnxruntime-node and returns [N, 1000]',
    async (name) => {
      const size = describeArchitecture(name).inputSize;
      const built = buildModel({ name });
      expect(built.externalData).toEqual([]);
      expect(built.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 3, size, size] }]);
      expect(built.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['N', 1000] }]);
      const out = await run(built.bytes, size, 2);
      expect(out.dims).toEqual([2, 1000]);
      const values = out.data as Float32Array;
      expect(values.every((v) => Number.isFinite(v))).toBe(true);
      // Deterministic weights are not constant: logits differ across classes.
      expect(new Set(Array.from(values.slice(0, 1000))).size).toBeGreaterThan(100);
    },
    60_000,
  );

  it('is deterministic byte for byte, and the seed changes the weights', () => {
    const a = buildModel({ name: 'MobileNetV3_small_x0_35' });
    const b = buildModel({ name: 'MobileNetV3_small_x0_35', seed: 0, variant: 'fp32' });
    const c = buildModel({ name: 'MobileNetV3_small_x0_35', seed: 1 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.sha256).toBe(createHash('sha256').update(a.bytes).digest('hex'));
    expect(c.sha256).not.toBe(a.sha256);
    // Golden hash: any change here changes every recipe's bytes, so bump RECIPE_FORMAT with it.
    expect(a.sha256).toMatchInlineSnapshot(`"d6bb5b37348c6b2e347a24f982bb0afc6c24a2a4e1d517dfae46b53eeb10729c"`);
  });

  it('writes a valid ModelProto: opset 13, IR 7, symbolic batch, recipe metadata', () => {
    const m = onnx.ModelProto.decode(buildModel({ name: 'SqueezeNet1_1', seed: 7 }).bytes);
    expect(Number(m.irVersion)).toBe(7);
    expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(m.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('N');
    expect(Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]))).toMatchObject({
      'fleetbench.recipe.name': 'SqueezeNet1_1',
      'fleetbench.recipe.seed': '7',
    });
  });

  it('stores weights as ONNX external data when asked, with the same numbers', async () => {
    const name = 'ShuffleNetV2_x0_25';
    const g = new GraphBuilder(224);
    g.finish(recipeFor(name)!.build(g));
    const inline = serialise(g, { modelName: name, seed: 3 });
    const ext = serialise(g, { modelName: name, seed: 3, externalDataThreshold: 0 });
    expect(ext.externalData.length).toBe(1);
    expect(ext.bytes.length).toBeLessThan(inline.bytes.length / 10);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zoo-ext-'));
    try {
      const file = path.join(dir, `${name}.onnx`);
      writeFileSync(file, ext.bytes);
      for (const f of ext.externalData) writeFileSync(path.join(dir, f.path), f.bytes);
      const a = await run(inline.bytes, 224);
      const b = await run(file, 224);
      expect(Array.from(b.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses unknown models, missing builders, bad seeds and other variants with clear errors', () => {
    expect(() => buildModel({ name: 'NoSuchNet' })).toThrow(ZooError);
    const noBuilder = catalogue.find((e) => !recipeFor(e.name))!;
    expect(() => describeArchitecture(noBuilder.name)).toThrow(/No architecture builder/);
    expect(() => buildModel({ name: 'ResNet18', seed: -1 })).toThrow(/seed/);
    expect(() => buildModel({ name: 'ResNet18', variant: 'fp16' as 'fp32' })).toThrow(/variant/);
  });
});
