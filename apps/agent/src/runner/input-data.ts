import type { Tensor } from 'onnxruntime-node';

/** Deterministic PRNG (mulberry32) so two runs with the same seed feed identical bytes. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves symbolic (or unknown) dimensions: the first one is the batch, the others 1. */
export function resolveShape(shape: readonly (number | string)[], batchSize: number): number[] {
  return shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : i === 0 ? batchSize : 1));
}

export type FillableType = Extract<
  Tensor.Type,
  | 'float32'
  | 'float64'
  | 'float16'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
>;
export const FILLABLE_TYPES: readonly string[] = [
  'float32',
  'float64',
  'float16',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
];

/** Typed data for one input: floats in [0,1), integers small (they may be indices), bools 0/1. */
export function fillData(type: FillableType, size: number, random: () => number): Tensor.DataType {
  switch (type) {
    case 'float32':
      return Float32Array.from({ length: size }, random);
    case 'float64':
      return Float64Array.from({ length: size }, random);
    case 'float16':
      return Uint16Array.from({ length: size }, () => toHalfBits(random()));
    case 'uint8':
      return Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
    case 'int8':
      return Int8Array.from({ length: size }, () => Math.floor(random() * 256) - 128);
    case 'uint16':
      return Uint16Array.from({ length: size }, () => Math.floor(random() * 10));
    case 'int16':
      return Int16Array.from({ length: size }, () => Math.floor(random() * 10));
    case 'int32':
      return Int32Array.from({ length: size }, () => Math.floor(random() * 10));
    case 'uint32':
      return Uint32Array.from({ length: size }, () => Math.floor(random() * 10));
    case 'int64':
      return BigInt64Array.from({ length: size }, () => BigInt(Math.floor(random() * 10)));
    case 'uint64':
      return BigUint64Array.from({ length: size }, () => BigInt(Math.floor(random() * 10)));
    case 'bool':
      return Uint8Array.from({ length: size }, () => (random() < 0.5 ? 0 : 1));
  }
}

/** IEEE 754 half-precision bits of a float (round to nearest even; subnormals, infinities and NaN kept). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return half;
}

/** The float value of IEEE 754 half-precision bits. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
