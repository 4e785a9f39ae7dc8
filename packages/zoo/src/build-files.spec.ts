import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
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
  it.each(['SqueezeNet1_1', 'MobileNetV3_small_x0_35'])(
    '%s: the counter agrees with the architecture description',
    (name) => {
      const counted = countFlops(buildModel({ name }).bytes)!;
      expect(counted).not.toBeNull();
      expect(
        Math.abs(counted.flops - describeArchitecture(name).flops) / describeArchitecture(name).flops,
      ).toBeLessThan(0.01);
    },
  );

  it('returns null for bytes that are not a model graph', () => {
    expect(countFlops(readFileSync(__filename).subarray(0, 0))).toBeNull();
  });
});
