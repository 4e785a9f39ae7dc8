/**
 * Median of the known figures among xs: null, undefined, NaN and ±Infinity are unknown and never enter it (a
 * runner that cannot measure a figure reports null, not 0). The mean of the two middle values for an even count;
 * null when no figure is known. The one median of agent, hub and dashboard.
 */
export function median(xs: Iterable<number | null | undefined>): number | null {
  const known: number[] = [];
  for (const x of xs) if (typeof x === 'number' && Number.isFinite(x)) known.push(x);
  if (known.length === 0) return null;
  // Float64Array sorts numerically without a comparator (and faster than Array#sort on large samples).
  const s = Float64Array.from(known).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}
