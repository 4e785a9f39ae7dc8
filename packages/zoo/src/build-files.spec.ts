import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { buildModel, buildModelFiles, countFlops, describeArchitecture, sha256OfBuiltFiles } from './index';

describe('buildModelFiles', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zoo-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the bytes buildModel gives, with the same sha256 and size', async () => {
    const built = buildModel({ name: 'ShuffleNetV2_x0_25', seed: 3 });
    const summary = await buildModelFiles({
      name: 'ShuffleNetV2_x0_25',
      seed: 3,
      outDir: dir,
      fileName: 'm.onnx',
      worker: false,
    });
    expect(summary).toMatchObject({
      sha256: built.sha256,
      sizeBytes: built.bytes.byteLength,
      externalData: [],
      modelPath: path.join(dir, 'm.onnx'),
    });
    expect(summary.recipe).toEqual(built.recipe);
    expect(await sha256OfBuiltFiles(summary.modelPath!)).toBe(built.sha256);
  });

  it('hashes only when no folder is given', async () => {
    const summary = await buildModelFiles({ name: 'SqueezeNet1_1', worker: false });
    expect(summary.modelPath).toBeUndefined();
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects unknown names with the zoo error code', async () => {
    await expect(buildModelFiles({ name: 'NoSuchNet', worker: false })).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL',
    });
  });
});

describe('countFlops (graph FLOPs counter shared by the hub and the agent)', () => {
  // ShuffleNetV2 (channel shuffle: Reshape/Transpose, Split), DPN and Res2Net (Split), HRNet (Resize upsampling).
  it.each([
    'SqueezeNet1_1',
    'MobileNetV3_small_x0_35',
    'ShuffleNetV2_x0_25',
    'DPN68',
    'Res2Net50_14w_8s',
    'HRNet_W18_C',
  ])('%s: the counter agrees with the architecture description', (name) => {
    const counted = countFlops(buildModel({ name }).bytes)!;
    expect(counted).not.toBeNull();
    expect(Math.abs(counted.flops - describeArchitecture(name).flops) / describeArchitecture(name).flops).toBeLessThan(
      0.01,
    );
  });

  it('follows a PyTorch-style channel shuffle: Shape→Slice→Concat→Reshape, Transpose, Split, Slice, Resize', () => {
    const DT = onnx.TensorProto.DataType;
    const ints = (name: string, v: number[]): onnx.ITensorProto => {
      const raw = new Uint8Array(8 * v.length);
      v.forEach((x, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(x), true));
      return { name, dims: [v.length], dataType: DT.INT64, rawData: raw };
    };
    const weights = (name: string, dims: number[]): onnx.ITensorProto => ({
      name,
      dims,
      dataType: DT.FLOAT,
      rawData: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
    });
    const n = (op: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) => ({
      opType: op,
      input,
      output,
      attribute,
    });
    const A = onnx.AttributeProto.AttributeType;
    const model = onnx.ModelProto.encode({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'shuffle',
        node: [
          n('Conv', ['x', 'w0'], ['c0']), // 8 → 8 channels 1×1 on 8×8: 4096 MACs
          n('Shape', ['c0'], ['s']),
          n('Slice', ['s', 'zero', 'one'], ['batch']),
          n('Concat', ['batch', 'grouped'], ['target'], [{ name: 'axis', type: A.INT, i: 0 }]),
          n('Reshape', ['c0', 'target'], ['r0']), // [1, 2, 4, 8, 8]
          n('Transpose', ['r0'], ['t0'], [{ name: 'perm', type: A.INTS, ints: [0, 2, 1, 3, 4] }]),
          n('Reshape', ['t0', 'flat'], ['r1']), // [1, 8, 8, 8]
          n('Split', ['r1', 'halves'], ['a', 'b'], [{ name: 'axis', type: A.INT, i: 1 }]),
          n('Slice', ['b', 'zero', 'two', 'one'], ['b2']), // channels 0..1 of b: [1, 2, 8, 8]
          n('Conv', ['b2', 'w1'], ['c1'], [{ name: 'pads', type: A.INTS, ints: [1, 1, 1, 1] }]), // 4·64·18 MACs
          n('Resize', ['c1', '', 'scales'], ['up'], [{ name: 'mode', type: A.STRING, s: Buffer.from('nearest') }]),
          n('Conv', ['up', 'w2'], ['y']), // 4 → 2 channels 1×1 on 16×16: 2048 MACs
        ],
        initializer: [
          weights('w0', [8, 8, 1, 1]),
          weights('w1', [4, 2, 3, 3]),
          weights('w2', [2, 4, 1, 1]),
          ints('zero', [0]),
          ints('one', [1]),
          ints('two', [2]),
          ints('grouped', [2, 4, 8, 8]),
          ints('flat', [1, -1, 8, 8]),
          ints('halves', [4, 4]),
          {
            name: 'scales',
            dims: [4],
            dataType: DT.FLOAT,
            rawData: new Uint8Array(new Float32Array([1, 1, 2, 2]).buffer),
          },
        ],
        input: [
          {
            name: 'x',
            type: {
              tensorType: {
                elemType: DT.FLOAT,
                shape: { dim: [{ dimParam: 'N' }, { dimValue: 8 }, { dimValue: 8 }, { dimValue: 8 }] },
              },
            },
          },
        ],
        output: [{ name: 'y' }],
      },
    }).finish();
    expect(countFlops(model)).toEqual({ flops: 2 * (4096 + 4 * 64 * 18 + 2048), counted: 3 });
  });

  it('returns null for bytes that are not a model graph', () => {
    expect(countFlops(readFileSync(__filename).subarray(0, 0))).toBeNull();
  });
});
