/**
 * Reads an agent's HDR histogram (the compressed V2 encoding of hdr-histogram-js, `encodeIntoCompressedBase64`)
 * straight into its recorded buckets. Result acceptance checks one per result; hdr-histogram-js builds a full counts
 * array (tens of kB) and walks it with a generic iterator, which was the largest CPU cost of ingest. This reads the
 * run-length encoded counts once and keeps only the non-empty buckets. The bucket arithmetic is hdr-histogram-js's
 * (JsHistogram: valueFromIndex, lowest/highestEquivalentValue), for a lowest discernible value of 1; the spec checks
 * it against the library on random histograms.
 */
import { inflateSync } from 'node:zlib';

const V2_COMPRESSED_COOKIE_BASE = 0x1c849304;
const V2_COOKIE_BASE = 0x1c849303;
const HEADER_BYTES = 40;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface HistogramLimits {
  minSignificantDigits: number;
  maxSignificantDigits: number;
  maxHighestTrackable: number;
  maxInflatedBytes: number;
}

/** The non-empty buckets in value order: each one's value range (inclusive) and the count up to and including it. */
export interface HistogramBuckets {
  totalCount: number;
  lowest: number[];
  highest: number[];
  cumulative: number[];
}

/**
 * Decodes `base64` or says why not. The header is checked before inflating, and inflating is capped, so a forged
 * histogram cannot make the hub allocate more than `maxInflatedBytes` (no zip bomb, no giant counts array).
 */
export function decodeHistogram(base64: string, limits: HistogramLimits): HistogramBuckets | { problem: string } {
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) return { problem: 'undecodable histogram (not base64)' };
  const raw = Buffer.from(base64, 'base64');
  if (raw.length < 8 || (raw.readInt32BE(0) & ~0xf0) !== V2_COMPRESSED_COOKIE_BASE)
    return { problem: 'not a compressed V2 HDR histogram' };
  const len = raw.readInt32BE(4);
  if (len <= 0 || 8 + len > raw.length) return { problem: 'truncated histogram' };
  let data: Buffer;
  try {
    data = inflateSync(raw.subarray(8, 8 + len), { maxOutputLength: limits.maxInflatedBytes });
  } catch (err) {
    return { problem: `undecodable histogram (${(err as Error).message.slice(0, 80)})` };
  }
  if (data.length < HEADER_BYTES || (data.readInt32BE(0) & ~0xf0) !== V2_COOKIE_BASE)
    return { problem: 'bad histogram payload' };
  const payloadBytes = data.readInt32BE(4);
  const digits = data.readInt32BE(12);
  const lowest = Number(data.readBigInt64BE(16));
  const highestTrackable = Number(data.readBigInt64BE(24));
  if (
    digits < limits.minSignificantDigits ||
    digits > limits.maxSignificantDigits ||
    lowest !== 1 ||
    highestTrackable < 2 ||
    highestTrackable > limits.maxHighestTrackable
  )
    return {
      problem: `histogram resolution not accepted (digits ${digits}, lowest ${lowest} µs, highest ${highestTrackable} µs)`,
    };
  if (payloadBytes < 0 || HEADER_BYTES + payloadBytes > data.length)
    return { problem: 'undecodable histogram (payload length beyond the data)' };

  // JsHistogram.init / establishSize with unitMagnitude 0 (lowest discernible value 1).
  const subBucketHalfCountMagnitude = Math.max(Math.ceil(Math.log2(2 * 10 ** digits)), 1) - 1;
  const subBucketHalfCount = 2 ** subBucketHalfCountMagnitude;
  let smallestUntrackable = 2 * subBucketHalfCount;
  let bucketCount = 1;
  while (smallestUntrackable <= highestTrackable) {
    smallestUntrackable *= 2;
    bucketCount++;
  }
  const countsLength = (bucketCount + 1) * subBucketHalfCount;

  const out: HistogramBuckets = { totalCount: 0, lowest: [], highest: [], cumulative: [] };
  const end = HEADER_BYTES + payloadBytes;
  let pos = HEADER_BYTES;
  let index = 0;
  while (pos < end) {
    // ZigZag LEB128-64b9B (hdr-histogram-js ZigZagEncoding.decode): a negative value is a run of empty buckets.
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (pos >= end) return { problem: 'undecodable histogram (counts cut short)' };
      const b = data[pos++];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0 || i === 8) break;
    }
    const count = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (count < 0) {
      index -= count;
      continue;
    }
    if (count > 0) {
      if (index >= countsLength) return { problem: 'histogram counts beyond its highest trackable value' };
      out.totalCount += count;
      if (!Number.isSafeInteger(out.totalCount)) return { problem: 'histogram counts overflow' };
      // JsHistogram.valueFromIndex, and highestEquivalentValue of that value (its bucket is 2^bucket wide).
      let bucket = Math.floor(index / subBucketHalfCount) - 1;
      let subBucket = (index % subBucketHalfCount) + subBucketHalfCount;
      if (bucket < 0) {
        subBucket -= subBucketHalfCount;
        bucket = 0;
      }
      const from = subBucket * 2 ** bucket;
      out.lowest.push(from);
      out.highest.push(from + 2 ** bucket - 1);
      out.cumulative.push(out.totalCount);
    }
    index++;
  }
  return out;
}

/** How many recent decodes {@link decodeHistogramShared} keeps: two of ingest's largest batches… */
export const SHARED_DECODES = 1000;
/**
 * …within this many bytes (the texts and their buckets, estimated), so that devices sending the largest histograms the
 * protocol allows (256 kB of text, up to 512 kB inflated) cannot make the hub hold hundreds of MB; a decode that
 * alone costs more than an eighth of it is not kept.
 */
export const SHARED_DECODE_BYTES = 8 * 1024 * 1024;
type SharedDecode = { limits: HistogramLimits; buckets: HistogramBuckets | { problem: string }; bytes: number };
const recent = new Map<string, SharedDecode>();
let recentBytes = 0;

/**
 * {@link decodeHistogram}, remembering recent answers (by the text and the very limits object; at most
 * {@link SHARED_DECODES} within {@link SHARED_DECODE_BYTES}): ingest's acceptance decodes every result's histogram,
 * and the regression watch decodes it again moments later, after the batch is stored. The answer is shared: callers
 * must not change it.
 */
export function decodeHistogramShared(
  base64: string,
  limits: HistogramLimits,
): Readonly<HistogramBuckets> | { problem: string } {
  const hit = recent.get(base64);
  if (hit && hit.limits === limits) return hit.buckets;
  const buckets = decodeHistogram(base64, limits);
  if (hit) forget(base64, hit);
  const bytes = base64.length + 64 + ('problem' in buckets ? 0 : 24 * buckets.lowest.length);
  if (bytes > SHARED_DECODE_BYTES / 8) return buckets;
  recent.set(base64, { limits, buckets, bytes });
  recentBytes += bytes;
  while (recent.size > SHARED_DECODES || recentBytes > SHARED_DECODE_BYTES) {
    const [oldest, entry] = recent.entries().next().value as [string, SharedDecode];
    forget(oldest, entry);
  }
  return buckets;
}

function forget(base64: string, entry: SharedDecode): void {
  recent.delete(base64);
  recentBytes -= entry.bytes;
}

/** Index of the first bucket whose cumulative count reaches `rank` (clamped to 1..total); buckets must not be empty. */
export function bucketOfRank(h: Readonly<HistogramBuckets>, rank: number): number {
  const r = Math.min(h.totalCount, Math.max(1, rank));
  let lo = 0;
  let hi = h.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h.cumulative[mid] >= r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
