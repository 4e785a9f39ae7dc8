/**
 * Deterministic weights: only 32-bit integer arithmetic, one multiply and one add in double precision and a
 * rounding to float32, all exactly specified by IEEE 754, so every platform produces identical bytes.
 */

// A module-level alias: under jest's vm realm every global `Math` lookup in a hot loop is ~20x slower.
const imul = Math.imul;

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`. */
export function hash32(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Fills `out` with uniform values in [centre - halfWidth, centre + halfWidth) from a mulberry32 stream.
 * 24 random bits per value, so every value is exactly representable before the final scaling.
 */
export function fillUniform(out: Float32Array, state: number, centre: number, halfWidth: number): void {
  let a = state | 0;
  const scale = (2 * halfWidth) / 16777216;
  const base = centre - halfWidth;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = imul(a ^ (a >>> 15), a | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    out[i] = base + ((t ^ (t >>> 14)) >>> 8) * scale;
  }
}
