import { createHash } from 'node:crypto';
import type { ResolvedPreprocessing } from '@fleetbench/protocol';
import { toHalfBits } from '../runner/input-data';
import { AgentError } from '../util/errors';

type Sharp = typeof import('sharp', { with: { 'resolution-mode': 'require' } });
let sharpModule: Sharp | null = null;

/** sharp, loaded on first use: a native binding that latency-only devices may lack (accuracy runs need it). */
export function loadSharp(): Sharp {
  if (!sharpModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- native binding loaded when first needed (see above)
      sharpModule = require('sharp') as Sharp;
    } catch (err) {
      throw new AgentError(
        'preprocess-failed',
        `The image library sharp cannot be loaded on this device (${(err as Error).message.split('\n')[0]}); accuracy runs need it. On arm64 install it with npm i --cpu=arm64 --os=linux --libc=glibc sharp.`,
        { cause: err },
      );
    }
  }
  return sharpModule;
}

/** The part of a preprocessing spec that decides the pixels (what the on-disk cache stores). */
export interface PixelSpec {
  resizeShorter: number;
  crop: number;
  channels: 1 | 3;
  kernel: 'nearest' | 'linear' | 'cubic' | 'lanczos3';
  /** Rounding of the longer side after resizing (PreprocessingSpec.resizeRounding, default 'round'). */
  rounding: 'round' | 'floor';
}

/** The pixel-deciding part of a resolved spec (resolveAgainstModel). */
export type PixelSpecSource = Pick<ResolvedPreprocessing, 'resizeShorter' | 'crop'> &
  Partial<Pick<ResolvedPreprocessing, 'channels' | 'resizeKernel' | 'resizeRounding'>>;

export function pixelSpecOf(spec: PixelSpecSource): PixelSpec {
  return {
    resizeShorter: spec.resizeShorter,
    crop: spec.crop,
    channels: spec.channels ?? 3,
    kernel: spec.resizeKernel ?? 'linear',
    rounding: spec.resizeRounding ?? 'round',
  };
}

export function pixelBytes(p: PixelSpec): number {
  return p.crop * p.crop * p.channels;
}

/** Stable key of a pixel spec for cache folder names. */
export function pixelSpecKey(p: PixelSpec): string {
  return createHash('sha256')
    .update(JSON.stringify([p.resizeShorter, p.crop, p.channels, p.kernel, p.rounding]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Decode an image, resize its shorter side to `resizeShorter` (aspect kept), centre-crop `crop`×`crop` and return
 * HWC uint8 pixels in RGB (or one gray channel). Grayscale, CMYK and images with alpha all come out with the
 * spec's channel count. EXIF orientation is ignored, as in the PIL/torchvision evaluation code.
 */
export async function decodeToPixels(input: string | Buffer, p: PixelSpec): Promise<Uint8Array> {
  const sharp = loadSharp();
  let image = sharp(input, { failOn: 'none' });
  const meta = await image.metadata().catch((err: Error) => {
    throw new AgentError('preprocess-failed', `Cannot decode image ${describe(input)} (${err.message}).`, {
      cause: err,
    });
  });
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!w || !h) throw new AgentError('preprocess-failed', `Image ${describe(input)} has no size.`);
  const target = Math.max(p.resizeShorter, p.crop);
  // The shorter side becomes `target`, the longer one round(target · long / short) (PaddleClas ResizeImage, sharp's
  // own rounding, the reference accuracies of shared/data) or int(target · long / short) (torchvision Resize(int)).
  const roundLong = p.rounding === 'floor' ? Math.floor : Math.round;
  const [rw, rh] = w <= h ? [target, roundLong((target * h) / w)] : [roundLong((target * w) / h), target];
  image = image.removeAlpha();
  if (rw !== w || rh !== h) image = image.resize(rw, rh, { kernel: p.kernel, fit: 'fill' });
  image = image.extract({
    left: Math.floor((rw - p.crop) / 2),
    top: Math.floor((rh - p.crop) / 2),
    width: p.crop,
    height: p.crop,
  });
  image = p.channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return toChannels(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.channels, p.channels);
}

function toChannels(data: Uint8Array, have: number, want: 1 | 3): Uint8Array {
  if (have === want) return data;
  const n = data.length / have;
  const out = new Uint8Array(n * want);
  for (let i = 0; i < n; i++) {
    if (want === 3) {
      const g = data[i * have];
      const rgb = have >= 3;
      out[i * 3] = g;
      out[i * 3 + 1] = rgb ? data[i * have + 1] : g;
      out[i * 3 + 2] = rgb ? data[i * have + 2] : g;
    } else {
      // ITU-R BT.601 luma, as libvips uses for sRGB → b-w
      out[i] =
        have >= 3
          ? Math.round(0.299 * data[i * have] + 0.587 * data[i * have + 1] + 0.114 * data[i * have + 2])
          : data[i * have];
    }
  }
  return out;
}

function describe(input: string | Buffer): string {
  return typeof input === 'string' ? input : `(${input.length} bytes)`;
}

export type InputBuffer = Float32Array | Uint16Array | Uint8Array | Int8Array;

/** What turns pixels into an input tensor (a resolved spec; `channels` absent = 3). */
export type InputSpec = Pick<
  ResolvedPreprocessing,
  'crop' | 'channelOrder' | 'scale' | 'mean' | 'std' | 'layout' | 'inputDtype'
> &
  Partial<Pick<ResolvedPreprocessing, 'channels'>>;

export function allocateInput(spec: InputSpec, samples: number): InputBuffer {
  const size = samples * spec.crop * spec.crop * (spec.channels ?? 3);
  switch (spec.inputDtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float16':
      return new Uint16Array(size);
    case 'int8':
      return new Int8Array(size);
    default:
      return new Uint8Array(size);
  }
}

/**
 * HWC RGB (or gray) uint8 pixels → the model's input layout, channel order, scale, mean/std and dtype, written at
 * sample `index` of `out`. uint8 inputs take the pixels as they are, int8 inputs pixel − 128 (the TFLite int8
 * convention: the uint8 zero point 128 moved to 0); only layout and channel order apply to both.
 */
export function pixelsToInput(pixels: Uint8Array, spec: InputSpec, out: InputBuffer, index: number): void {
  const c = spec.channels ?? 3;
  const hw = spec.crop * spec.crop;
  const base = index * hw * c;
  const bgr = spec.channelOrder === 'BGR' && c === 3;
  const nchw = spec.layout === 'NCHW';
  // Per-channel lookup tables of the 256 possible values (exactly v · mul + add, as computed per element before),
  // one loop per case with the branches hoisted: this runs on the thread that also drives inference (0.44 →
  // 0.17 ms per 224×224 image for float32 NCHW, the common case, which reads each pixel once for all 3 channels).
  if (c === 3 && nchw && spec.inputDtype === 'float32') {
    const l0 = channelTable(spec, 0);
    const l1 = channelTable(spec, 1);
    const l2 = channelTable(spec, 2);
    const s0 = bgr ? 2 : 0; // source channel of output channel 0 (and 2 − s0 of output channel 2)
    const s2 = 2 - s0;
    const o1 = base + hw;
    const o2 = base + 2 * hw;
    for (let i = 0, s = 0; i < hw; i++, s += 3) {
      out[base + i] = l0[pixels[s + s0]];
      out[o1 + i] = l1[pixels[s + 1]];
      out[o2 + i] = l2[pixels[s + s2]];
    }
    return;
  }
  for (let ch = 0; ch < c; ch++) {
    const src = bgr ? 2 - ch : ch; // output channel ch takes source channel src
    const at0 = base + (nchw ? ch * hw : ch);
    const step = nchw ? 1 : c;
    if (spec.inputDtype === 'uint8') {
      for (let i = 0, s = src, at = at0; i < hw; i++, s += c, at += step) out[at] = pixels[s];
      continue;
    }
    if (spec.inputDtype === 'int8') {
      for (let i = 0, s = src, at = at0; i < hw; i++, s += c, at += step) out[at] = pixels[s] - 128;
      continue;
    }
    const lut = spec.inputDtype === 'float32' ? channelTable(spec, ch) : channelTable(spec, ch, true);
    for (let i = 0, s = src, at = at0; i < hw; i++, s += c, at += step) out[at] = lut[pixels[s]];
  }
}

const tablesOf = new WeakMap<InputSpec, Map<number, Float32Array | Uint16Array>>();

/**
 * The 256 possible inputs of output channel `ch` (float32 values, or float16 bits when `half`), computed once per
 * spec object (a run fills every sample with the same spec; specs are not mutated after parsing).
 */
function channelTable(spec: InputSpec, ch: number, half = false): Float32Array | Uint16Array {
  let tables = tablesOf.get(spec);
  if (!tables) tablesOf.set(spec, (tables = new Map()));
  const key = half ? ch + 0.5 : ch;
  let lut = tables.get(key);
  if (!lut) tables.set(key, (lut = computeTable(spec, ch, half)));
  return lut;
}

function computeTable(spec: InputSpec, ch: number, half: boolean): Float32Array | Uint16Array {
  const mul = spec.scale / spec.std[ch];
  const add = -spec.mean[ch] / spec.std[ch];
  const lut = half ? new Uint16Array(256) : new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = half ? toHalfBits(v * mul + add) : v * mul + add;
  return lut;
}

/** Input tensor shape for `batch` samples. */
export function inputShape(spec: Pick<InputSpec, 'crop' | 'layout' | 'channels'>, batch: number): number[] {
  const c = spec.channels ?? 3;
  return spec.layout === 'NCHW' ? [batch, c, spec.crop, spec.crop] : [batch, spec.crop, spec.crop, c];
}
