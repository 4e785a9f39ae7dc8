import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fsyncDir } from '../util/atomic-file';
import type { Dataset } from './dataset';
import { decodeToPixels, pixelBytes, pixelSpecKey, type PixelSpec } from './preprocess';

/** 2: the longer side is rounded per PixelSpec.rounding (was floor). */
export const PIXEL_CACHE_FORMAT = 2;

/**
 * Preprocessed pixels of a dataset on disk, keyed by dataset sha256 + the pixel part of the preprocessing spec
 * (resize, crop, channels, kernel). Stored as uint8 HWC, one fixed-size record per sample in dataset order, so a
 * later run reads fixed-size records (32 per positioned read); scale, mean/std, channel order, layout and dtype are
 * applied at load time (cheap) and models that differ only in those share one cache entry. Written to a
 * `.partial` folder and renamed when complete, so an interrupted run never leaves a half cache that looks whole.
 */
export interface PixelSource {
  /**
   * Pixels of sample `i` (HWC uint8). Resolves in any order; callers ask in dataset order. From the cache the array
   * is a view of a recycled read buffer: it stays valid until a sample of a later read block (32 samples) is asked
   * for (use or copy it before).
   */
  get(i: number): Promise<Uint8Array>;
  /** The pixels of sample `i` when they are already at hand (no await needed), else undefined; same rules as get. */
  peek?(i: number): Uint8Array | undefined;
  readonly cached: boolean;
  close(): Promise<void>;
}

interface CacheMeta {
  format: number;
  datasetSha256: string;
  pixelSpec: PixelSpec;
  count: number;
  labels: number[];
}

/** Records read at once from a cache file (about 4.8 MB for 224×224 RGB). */
const CACHE_READ_BLOCK = 32;

export function cacheDirOf(cacheRoot: string, datasetSha256: string, p: PixelSpec): string {
  return path.join(cacheRoot, `${datasetSha256.slice(0, 32)}-${pixelSpecKey(p)}`);
}

export interface OpenOptions {
  cacheRoot: string | null;
  /** Images decoded at once (default: 2 × cores, enough to keep sharp's thread pool busy). */
  concurrency?: number;
  /** How far decoding may run ahead of the consumer (samples), bounding memory. */
  lookahead?: number;
}

export async function openPixelSource(ds: Dataset, p: PixelSpec, opts: OpenOptions): Promise<PixelSource> {
  const size = pixelBytes(p);
  if (opts.cacheRoot) {
    const dir = cacheDirOf(opts.cacheRoot, ds.sha256, p);
    const meta = await readMeta(dir);
    if (meta && meta.count === ds.samples.length && meta.datasetSha256 === ds.sha256) {
      const fh = await fs.open(path.join(dir, 'pixels.bin'), 'r');
      const st = await fh.stat();
      if (st.size === size * meta.count) {
        // Touch for LRU-style cleanup by whoever manages the cache folder.
        await fs.utimes(dir, new Date(), new Date()).catch(() => {});
        // Read in blocks of records, one block ahead of the consumer: one positioned read per block instead of a
        // thread-pool round trip per image on the thread that also drives inference. Block buffers are recycled
        // (a fresh 4.8 MB buffer per block cost page faults and GC work on that thread every 32 images).
        const blockBytes = Math.min(CACHE_READ_BLOCK, meta.count) * size;
        const blocks = new Map<number, Promise<Uint8Array>>();
        const ready = new Map<number, Uint8Array>();
        const spare: Uint8Array[] = [];
        const readBlock = (b: number): Promise<Uint8Array> | undefined => {
          const first = b * CACHE_READ_BLOCK;
          if (first >= meta.count) return undefined;
          let pr = blocks.get(b);
          if (!pr) {
            const buf = spare.pop() ?? new Uint8Array(blockBytes);
            const len = Math.min(CACHE_READ_BLOCK, meta.count - first) * size;
            pr = fh.read(buf, 0, len, first * size).then(() => {
              if (blocks.get(b) === pr) ready.set(b, buf);
              return buf;
            });
            pr.catch(() => {}); // a read-ahead nobody awaits must not be an unhandled rejection
            blocks.set(b, pr);
          }
          return pr;
        };
        /** Drops the blocks before `b`; their buffers are reused once their reads are done. */
        const dropBefore = (b: number) => {
          for (const [k, pr] of blocks) {
            if (k >= b) continue;
            blocks.delete(k);
            const buf = ready.get(k);
            ready.delete(k);
            if (buf) spare.push(buf);
            else
              void pr.then(
                (x) => spare.push(x),
                () => {},
              );
          }
        };
        return {
          cached: true,
          peek(i) {
            const b = (i / CACHE_READ_BLOCK) | 0;
            const buf = ready.get(b);
            if (!buf) return undefined;
            if (!blocks.has(b + 1)) {
              dropBefore(b);
              readBlock(b + 1);
            }
            const at = (i - b * CACHE_READ_BLOCK) * size;
            return buf.subarray(at, at + size);
          },
          async get(i) {
            const b = (i / CACHE_READ_BLOCK) | 0;
            const pr = readBlock(b)!;
            dropBefore(b);
            readBlock(b + 1);
            const buf = await pr;
            const at = (i - b * CACHE_READ_BLOCK) * size;
            return buf.subarray(at, at + size);
          },
          async close() {
            await Promise.allSettled(blocks.values());
            await fh.close();
          },
        };
      }
      await fh.close();
    }
  }
  return decodingSource(ds, p, opts);
}

/** Decodes ahead of the consumer on all cores and, when a cache root is set, writes the cache as it goes. */
async function decodingSource(ds: Dataset, p: PixelSpec, opts: OpenOptions): Promise<PixelSource> {
  const size = pixelBytes(p);
  const n = ds.samples.length;
  const concurrency = opts.concurrency ?? Math.max(2, os.cpus().length * 2);
  const lookahead = Math.max(concurrency, opts.lookahead ?? 64);
  let partialDir: string | null = null;
  let fh: import('node:fs/promises').FileHandle | null = null;
  if (opts.cacheRoot) {
    const final = cacheDirOf(opts.cacheRoot, ds.sha256, p);
    partialDir = `${final}.partial-${process.pid}`;
    await fs.rm(partialDir, { recursive: true, force: true });
    await fs.mkdir(partialDir, { recursive: true });
    fh = await fs.open(path.join(partialDir, 'pixels.bin'), 'w');
  }
  const results = new Map<number, Promise<Uint8Array>>();
  let started = 0;
  let inFlight = 0;
  let consumed = 0;
  let written = 0;
  let failed: Error | null = null;
  const writes: Promise<unknown>[] = [];

  let closing = false;
  const pump = () => {
    while (!closing && inFlight < concurrency && started < n && started < consumed + lookahead) {
      const i = started++;
      inFlight++;
      const pr = decodeToPixels(ds.samples[i].file, p).then(async (px) => {
        if (fh) {
          writes.push(fh.write(px, 0, size, i * size).then(() => written++));
        }
        return px;
      });
      pr.catch((err: Error) => (failed ??= err)).finally(() => {
        inFlight--;
        pump();
      });
      results.set(i, pr);
    }
  };
  pump();

  return {
    cached: false,
    async get(i) {
      if (failed) throw failed;
      while (!results.has(i)) {
        consumed = Math.max(consumed, i);
        pump();
        if (!results.has(i)) await new Promise((r) => setImmediate(r));
      }
      const px = await results.get(i)!;
      results.delete(i);
      consumed = Math.max(consumed, i + 1);
      pump();
      return px;
    },
    async close() {
      // Finish the decodes already started (the cache is only useful complete); start no more.
      closing = true;
      await Promise.allSettled([...results.values()]);
      await Promise.allSettled(writes);
      if (!fh || !partialDir || !opts.cacheRoot) return;
      const complete = started === n && written === n && !failed;
      if (complete) await fh.sync();
      await fh.close();
      if (!complete) {
        await fs.rm(partialDir, { recursive: true, force: true });
        return;
      }
      const meta: CacheMeta = {
        format: PIXEL_CACHE_FORMAT,
        datasetSha256: ds.sha256,
        pixelSpec: p,
        count: n,
        labels: ds.samples.map((s) => s.label),
      };
      await fs.writeFile(path.join(partialDir, 'meta.json'), JSON.stringify(meta));
      const final = cacheDirOf(opts.cacheRoot, ds.sha256, p);
      await fs.rm(final, { recursive: true, force: true });
      await fs.rename(partialDir, final);
      await fsyncDir(opts.cacheRoot).catch(() => {});
    },
  };
}

async function readMeta(dir: string): Promise<CacheMeta | null> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    return meta.format === PIXEL_CACHE_FORMAT ? meta : null;
  } catch {
    return null;
  }
}

/** Decodes every sample on all cores and fills the cache (for `bench` and benchmarks of the decode rate). */
export async function warmPixelCache(ds: Dataset, p: PixelSpec, cacheRoot: string): Promise<void> {
  const src = await openPixelSource(ds, p, { cacheRoot, lookahead: ds.samples.length });
  for (let i = 0; i < ds.samples.length; i++) await src.get(i);
  await src.close();
}
