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
import { float32ToHalfBits, serialise } from './graph/onnx-serialiser';
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
    expect(() => buildModel({ name: 'ResNet18', variant: 'int8' as 'fp32' })).toThrow(/variant/);
  });
});

describe('fp16 variant', () => {
  const halfToFloat = (h: number) => {
    const e = (h >> 10) & 31;
    const m = h & 1023;
    const v = e === 31 ? (m ? NaN : Infinity) : e ? 2 ** (e - 15) * (1 + m / 1024) : 2 ** -14 * (m / 1024);
    return h & 0x8000 ? -v : v;
  };

  it('rounds float32 to float16 bits to nearest, ties to even, with subnormals, overflow and NaN', () => {
    expect(float32ToHalfBits(1)).toBe(0x3c00);
    expect(float32ToHalfBits(-2)).toBe(0xc000);
    expect(float32ToHalfBits(65504)).toBe(0x7bff);
    expect(float32ToHalfBits(65520)).toBe(0x7c00); // halfway to the next step: ties to even → Inf
    expect(float32ToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(float32ToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float32ToHalfBits(2 ** -24)).toBe(1); // smallest subnormal
    expect(float32ToHalfBits(2 ** -25)).toBe(0); // tie → even (0)
    expect(float32ToHalfBits(1.5 * 2 ** -25)).toBe(1);
    expect(float32ToHalfBits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normal range
    expect(float32ToHalfBits(-0)).toBe(0x8000);
    expect(float32ToHalfBits(Infinity)).toBe(0x7c00);
    expect(float32ToHalfBits(NaN) & 0x7e00).toBe(0x7e00);
    for (let k = 0; k < 2000; k++) {
      const x = Math.fround((k - 1000) * 0.0137);
      expect(Math.abs(halfToFloat(float32ToHalfBits(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
    }
  });

  it.each(['ShuffleNetV2_x0_25', 'MobileNetV3_small_x0_35', 'SqueezeNet1_1', 'PPLCNet_x0_25'])(
    '%s fp16: float16 weights and I/O, half the size, deterministic, runs in onnxruntime-node close to fp32',
    async (name) => {
      const size = describeArchitecture(name).inputSize;
      const half = buildModel({ name, variant: 'fp16' });
      const fp32 = buildModel({ name });
      expect(buildModel({ name, variant: 'fp16' }).sha256).toBe(half.sha256);
      expect(half.sha256).not.toBe(fp32.sha256);
      expect(half.recipe.variant).toBe('fp16');
      expect(half.inputs).toEqual([{ name: 'x', dtype: 'float16', shape: ['N', 3, size, size] }]);
      expect(half.outputs).toEqual([{ name: 'logits', dtype: 'float16', shape: ['N', 1000] }]);
      expect(half.bytes.length).toBeLessThan(fp32.bytes.length * 0.55);
      const m = onnx.ModelProto.decode(half.bytes);
      const types = new Set(m.graph!.initializer!.map((t) => t.dataType));
      expect(
        [...types].every((t) => t === onnx.TensorProto.DataType.FLOAT16 || t === onnx.TensorProto.DataType.INT64),
      ).toBe(true);

      const x = input(1, size);
      const xHalf = Uint16Array.from(x.data as Float32Array, (v) => float32ToHalfBits(v));
      const session = await ort.InferenceSession.create(half.bytes, { intraOpNumThreads: 1 });
      try {
        const out = (await session.run({ x: new ort.Tensor('float16', xHalf, x.dims) })).logits!;
        expect(out.type).toBe('float16');
        const got = Array.from(out.data as Uint16Array, halfToFloat);
        const want = Array.from((await run(fp32.bytes, size)).data as Float32Array);
        expect(got.every(Number.isFinite)).toBe(true);
        const scale = Math.max(...want.map(Math.abs));
        const worst = Math.max(...got.map((v, i) => Math.abs(v - want[i]!)));
        expect(worst / scale).toBeLessThan(0.05);
      } finally {
        await session.release();
      }
    },
    60_000,
  );

  it('keeps Resize scales float32 (HRNet upsampling) and its golden hash', () => {
    const m = onnx.ModelProto.decode(buildModel({ name: 'HRNet_W18_C', variant: 'fp16' }).bytes);
    const scales = m.graph!.initializer!.filter((t) => /\.scales_/.test(t.name!));
    expect(scales.length).toBeGreaterThan(0);
    expect(scales.every((t) => t.dataType === onnx.TensorProto.DataType.FLOAT)).toBe(true);
    expect(buildModel({ name: 'MobileNetV3_small_x0_35', variant: 'fp16' }).sha256).toMatchInlineSnapshot(
      `"cb0b70981e5b4927760ea414948bdb8f512f1133dd3b995cacad8d25d4cdb984"`,
    );
  });
});
