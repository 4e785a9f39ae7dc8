import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  BenchmarkSettingsSchema,
  PreprocessingSpecSchema,
  type PreprocessingSpec,
  type ResolvedPreprocessing,
} from '@fleetbench/protocol';
import { OnnxRunner } from '../runner/onnx-runner';
import { channelMeanClassifier } from '../runner/tiny-models';
import { fromHalfBits } from '../runner/input-data';
import { colourDataset, tmpDir } from '../test-support/datasets';
import { loadDataset } from './dataset';
import { openPixelSource } from './pixel-cache';
import { decodeToPixels, pixelSpecOf, pixelsToInput, allocateInput } from './preprocess';
import { PRESETS, resolveAgainstModel, resolvePreprocessing } from './presets';

const SIZE = 16;

async function accuracyOf(
  dtype: 'float32' | 'float16' | 'uint8',
  spec: PreprocessingSpec,
  datasetDir: string,
  labelsFile?: string,
  cacheDir?: string,
) {
  const dir = tmpDir('fb-model-');
  const modelPath = path.join(dir, 'm.onnx');
  writeFileSync(modelPath, channelMeanClassifier(dtype, SIZE, spec.layout ?? 'NCHW'));
  return new OnnxRunner({ environment: null, pixelCacheDir: cacheDir ?? null }).run({
    modelPath,
    modelSha256: 'b'.repeat(64),
    settings: BenchmarkSettingsSchema.parse({ mode: 'accuracy', warmupIterations: 1 }),
    preprocessing: spec,
    dataset: { path: datasetDir, ...(labelsFile ? { labelsFile } : {}) },
    signal: new AbortController().signal,
    onProgress: () => {},
  });
}

describe('accuracy with preprocessing as data', () => {
  let colours: string;
  beforeAll(async () => {
    colours = await colourDataset();
  });

  it('float16 input and output with the BGR 0–255 preset: the channel order decides the answer', async () => {
    const bgr = { ...PRESETS['imagenet-bgr-255'], resizeShorter: SIZE, crop: SIZE };
    // Classes sort as blue, green, red = BGR channel order, so a channel-mean "classifier" is right on every image.
    // The element type comes from the model: the spec need not say float16.
    const out = await accuracyOf('float16', bgr, colours);
    expect(out.metrics.scoring).toMatchObject({ preset: 'imagenet-bgr-255', input: { dtype: 'float16' } });
    expect(out.metrics.top1).toBe(1);
    expect(out.metrics.accuracySamples).toBe(6);
    expect(out.metrics.latencyMs.count).toBe(6);
    expect(out.metrics.endToEndIps).toBeGreaterThan(0);
    expect(out.environment.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    // The same images read as RGB put red in channel 0 (= "blue"): only green stays right.
    const rgb = await accuracyOf('float16', { ...bgr, channelOrder: 'RGB' }, colours);
    expect(rgb.metrics.top1).toBeCloseTo(1 / 3);
    expect(rgb.metrics.top5).toBe(1);
  });

  it('uint8 NHWC input with an explicit label list: type, layout and size read from the model', async () => {
    const labels = path.join(tmpDir('fb-labels-'), 'labels.txt');
    writeFileSync(labels, 'red\ngreen\nblue\n');
    const out = await accuracyOf('uint8', { ...resolvePreprocessing('tf-uint8'), layout: 'NHWC' }, colours, labels);
    expect(out.metrics.top1).toBe(1);
    expect(out.metrics.scoring?.input).toMatchObject({ dtype: 'uint8', layout: 'NHWC', crop: SIZE, resizeShorter: 18 });
  });

  it('refuses a spec that contradicts the model input, naming both', async () => {
    const spec = PreprocessingSpecSchema.parse({ resizeShorter: 32, crop: 32 });
    const err = await accuracyOf('float32', spec, colours).catch((e) => e);
    expect(err.code).toBe('unsupported-input');
    expect(err.message).toMatch(/crop 32.*\[N,3,16,16\].*needs 16/);
    const dtype = await accuracyOf('float32', { ...spec, crop: SIZE, inputDtype: 'float16' }, colours).catch((e) => e);
    expect(dtype.message).toMatch(/inputDtype "float16".*float32/);
    expect(() => resolved({ preset: 'tf-uint8', layout: 'NCHW' }, 'uint8', 'NHWC')).toThrow(
      /layout "NCHW".*\[N,4,4,3\].*needs "NHWC"/,
    );
    expect(() => resolved({ preset: 'caffe', channels: 1 }, 'float32', 'NCHW')).toThrow(/channels 1.*needs 3/);
    // A uint8 input takes raw pixels: a preset that normalises them cannot feed it.
    const norm = await accuracyOf('uint8', { preset: 'imagenet' }, colours).catch((e) => e);
    expect(norm.message).toMatch(/raw pixels.*preset imagenet.*tf-uint8/);
    const scaled = await accuracyOf('uint8', { layout: 'NHWC', scale: 1 / 255 }, colours).catch((e) => e);
    expect(scaled.message).toMatch(/raw pixels.*with the given scale\/mean\/std/);
    // Without a preset a uint8 input takes the pixels as they are (tf-uint8).
    const raw = await accuracyOf('uint8', { layout: 'NHWC', crop: SIZE }, colours);
    expect(raw.metrics.scoring?.preset).toBe('tf-uint8');
  });

  it('a run that decodes uses one intra-op thread (threads left to onnxruntime); from the cache the default', async () => {
    const cache = tmpDir('fb-threads-');
    const spec = { ...PRESETS.imagenet, resizeShorter: SIZE, crop: SIZE };
    const cold = await accuracyOf('float32', spec, colours, undefined, cache);
    expect(cold.environment.intraOpThreads).toBe(1);
    const warm = await accuracyOf('float32', spec, colours, undefined, cache);
    expect(warm.environment.intraOpThreads).toBe(0);
    expect(warm.metrics.top1).toBe(cold.metrics.top1);
  });

  it('caches preprocessed pixels on disk keyed by dataset and pixel spec; a second open reads them', async () => {
    const cache = tmpDir('fb-pxcache-');
    const ds = await loadDataset(colours);
    const p = pixelSpecOf({ ...PRESETS.imagenet, resizeShorter: SIZE, crop: SIZE });
    const first = await openPixelSource(ds, p, { cacheRoot: cache });
    expect(first.cached).toBe(false);
    const decoded = [];
    for (let i = 0; i < ds.samples.length; i++) decoded.push(await first.get(i));
    await first.close();
    const second = await openPixelSource(ds, p, { cacheRoot: cache });
    expect(second.cached).toBe(true);
    for (let i = 0; i < ds.samples.length; i++)
      expect(Buffer.from(await second.get(i))).toEqual(Buffer.from(decoded[i]));
    await second.close();
    // Another crop is another entry.
    const other = await openPixelSource(ds, { ...p, crop: 8 }, { cacheRoot: cache });
    expect(other.cached).toBe(false);
    await other.close();
    // And the runner gives the same answer from the cache.
    const bgr = { ...PRESETS['imagenet-bgr-255'], resizeShorter: SIZE, crop: SIZE };
    expect((await accuracyOf('float32', bgr, colours, undefined, cache)).metrics.top1).toBe(1);
    expect((await accuracyOf('float32', bgr, colours, undefined, cache)).metrics.top1).toBe(1);
  });

  it('a cached source recycles its read blocks: get and peek give every sample across block boundaries', async () => {
    // 70 distinct images = 3 read blocks of 32 (the last one short).
    const root = tmpDir('fb-blocks-');
    mkdirSync(path.join(root, 'a'));
    for (let i = 0; i < 70; i++)
      await sharp(Buffer.alloc(4 * 4 * 3, i * 3), { raw: { width: 4, height: 4, channels: 3 } })
        .png()
        .toFile(path.join(root, 'a', `${String(i).padStart(2, '0')}.png`));
    const ds = await loadDataset(root);
    const p = pixelSpecOf({ ...PRESETS.imagenet, resizeShorter: 4, crop: 4 });
    const cache = tmpDir('fb-blocks-cache-');
    const first = await openPixelSource(ds, p, { cacheRoot: cache });
    const decoded: Buffer[] = [];
    for (let i = 0; i < ds.samples.length; i++) decoded.push(Buffer.from(await first.get(i)));
    await first.close();
    const cached = await openPixelSource(ds, p, { cacheRoot: cache });
    expect(cached.cached).toBe(true);
    expect(cached.peek?.(0)).toBeUndefined(); // nothing read yet
    for (let i = 0; i < ds.samples.length; i++) {
      const px = cached.peek?.(i) ?? (await cached.get(i));
      expect(Buffer.from(px)).toEqual(decoded[i]);
      expect(px[0]).toBe(i * 3); // samples in file-name order, each its own grey
    }
    await cached.close();
  });
});

/** A spec resolved against a made-up square input of `size` pixels. */
function resolved(spec: PreprocessingSpec, dtype: string, layout: 'NCHW' | 'NHWC', size = 4): ResolvedPreprocessing {
  const shape = layout === 'NCHW' ? ['N', 3, size, size] : ['N', size, size, 3];
  return resolveAgainstModel(spec, {
    name: 'x',
    dtype,
    shape,
    layout,
    channels: 3,
    height: size,
    width: size,
  });
}

describe('decoding', () => {
  it('expands grayscale and converts CMYK to 3 RGB channels; gray specs get 1 channel', async () => {
    const gray = await sharp(Buffer.alloc(20 * 20, 77), { raw: { width: 20, height: 20, channels: 1 } })
      .png()
      .toBuffer();
    const px = await decodeToPixels(gray, {
      resizeShorter: 8,
      crop: 8,
      channels: 3,
      kernel: 'linear',
      rounding: 'round',
    });
    expect(px.length).toBe(8 * 8 * 3);
    expect(new Set(px)).toEqual(new Set([77]));
    const red = Buffer.alloc(20 * 20 * 3);
    for (let i = 0; i < 400; i++) red[i * 3] = 220;
    const cmyk = await sharp(red, { raw: { width: 20, height: 20, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const rgb = await decodeToPixels(cmyk, {
      resizeShorter: 8,
      crop: 8,
      channels: 3,
      kernel: 'linear',
      rounding: 'round',
    });
    expect(rgb.length).toBe(8 * 8 * 3);
    expect(rgb[0]).toBeGreaterThan(150);
    expect(rgb[1]).toBeLessThan(80);
    const one = await decodeToPixels(red, {
      resizeShorter: 8,
      crop: 8,
      channels: 1,
      kernel: 'linear',
      rounding: 'round',
    }).catch(() => null);
    expect(one).toBeNull(); // raw buffers need metadata: only encoded images are accepted
    const grayOut = await decodeToPixels(cmyk, {
      resizeShorter: 8,
      crop: 8,
      channels: 1,
      kernel: 'linear',
      rounding: 'round',
    });
    expect(grayOut.length).toBe(64);
  });

  it('resizes the shorter side and centre-crops', async () => {
    // left half black, right half white, 40×20: shorter side 20 → 10 gives 20×10, crop 10 keeps the middle.
    const w = 40;
    const h = 20;
    const buf = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) buf.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const png = await sharp(buf, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    const px = await decodeToPixels(png, {
      resizeShorter: 10,
      crop: 10,
      channels: 3,
      kernel: 'nearest',
      rounding: 'round',
    });
    const row = Array.from({ length: 10 }, (_, x) => px[(5 * 10 + x) * 3]);
    expect(row.slice(0, 4).every((v) => v < 30)).toBe(true);
    expect(row.slice(6).every((v) => v > 225)).toBe(true);
  });

  it('rounds the longer side as the spec says (round by default, floor like torchvision)', async () => {
    // 30×21, shorter side 21 → 10: longer 30·10/21 = 14.29 either way; 31×20 → 10: 15.5 → round 16, floor 15.
    // With crop 10 the centre crop starts at 3 (16) or 2 (15): a vertical stripe at x = 8..9 of the resized image
    // lands at crop columns 5..6 or 6..7.
    const w = 31;
    const h = 20;
    const buf = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 16; x < 20; x++) buf.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const png = await sharp(buf, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    const base = { resizeShorter: 10, crop: 10, channels: 3 as const, kernel: 'nearest' as const };
    const row = async (rounding: 'round' | 'floor') => {
      const px = await decodeToPixels(png, { ...base, rounding });
      return Array.from({ length: 10 }, (_, x) => (px[(5 * 10 + x) * 3] > 128 ? 1 : 0)).join('');
    };
    expect(await row('round')).not.toBe(await row('floor'));
    expect(pixelSpecOf(resolved({ preset: 'imagenet' }, 'float32', 'NCHW')).rounding).toBe('round');
    expect(pixelSpecOf(resolved({ resizeRounding: 'floor' }, 'float32', 'NCHW')).rounding).toBe('floor');
  });

  it('converts pixels the same way for every dtype, layout and channel order (lookup table vs direct)', () => {
    const px = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37) % 256);
    for (const inputDtype of ['float32', 'float16', 'uint8'] as const)
      for (const layout of ['NCHW', 'NHWC'] as const)
        for (const channelOrder of ['RGB', 'BGR'] as const) {
          const spec = resolved(
            { channelOrder, preset: inputDtype === 'uint8' ? 'tf-uint8' : 'imagenet' },
            inputDtype,
            layout,
          );
          const out = allocateInput(spec, 2);
          pixelsToInput(px, spec, out, 1);
          for (let ch = 0; ch < 3; ch++)
            for (let i = 0; i < 16; i++) {
              const v = px[i * 3 + (channelOrder === 'BGR' ? 2 - ch : ch)];
              const at = 48 + (layout === 'NCHW' ? ch * 16 + i : i * 3 + ch);
              const want = inputDtype === 'uint8' ? v : (v * spec.scale - spec.mean[ch]) / spec.std[ch];
              const got = inputDtype === 'float16' ? fromHalfBits(out[at]) : out[at];
              if (inputDtype === 'uint8') expect(got).toBe(want);
              else expect(got).toBeCloseTo(want, inputDtype === 'float16' ? 2 : 5);
            }
          expect(Array.from(out.subarray(0, 48)).every((x) => x === 0)).toBe(true);
        }
  });

  it('int8 inputs take pixel − 128 (TFLite int8)', () => {
    const spec = resolved({ preset: 'tf-uint8' }, 'int8', 'NHWC', 1);
    const out = allocateInput(spec, 1);
    expect(out).toBeInstanceOf(Int8Array);
    pixelsToInput(Uint8Array.from([255, 0, 128]), spec, out, 0);
    expect(Array.from(out)).toEqual([127, -128, 0]);
  });

  it('applies scale, mean/std, BGR, layout and float16 as the spec says', () => {
    const spec = resolved({ channelOrder: 'BGR' }, 'float16', 'NCHW', 1);
    const out = allocateInput(spec, 1) as Uint16Array;
    pixelsToInput(Uint8Array.from([255, 0, 128]), spec, out, 0);
    const v = Array.from(out, fromHalfBits);
    // channel 0 = B = 128/255, normalized with the first mean/std
    expect(v[0]).toBeCloseTo((128 / 255 - 0.485) / 0.229, 2);
    expect(v[1]).toBeCloseTo((0 - 0.456) / 0.224, 2);
    expect(v[2]).toBeCloseTo((1 - 0.406) / 0.225, 2);
  });
});
