/** Unit test: the dataset archive node-tar writes is deterministic, GNU-tar readable, and keeps long names. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { archiveStream, type DatasetPlan } from './dataset-archive';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fleetbench-archive-'));
  await fs.writeFile(path.join(dir, 'a.jpg'), Buffer.alloc(700, 1));
  await fs.writeFile(path.join(dir, 'b.jpg'), Buffer.from('second image'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const longName = `images/n01/${'x'.repeat(160)}.jpg`;
const plan = (): DatasetPlan => ({
  root: dir,
  layout: 'imagefolder',
  labels: { keys: ['n01'], lines: ['n01 tench'] },
  images: [
    { name: 'images/n01/a.jpg', file: path.join(dir, 'a.jpg') },
    { name: longName, file: path.join(dir, 'b.jpg') },
  ],
});

it('writes labels.txt then the images, with fixed owner, mode and mtime, the same bytes every time', async () => {
  const first = await buffer(archiveStream(plan()));
  await fs.utimes(path.join(dir, 'a.jpg'), new Date(), new Date()); // other mtimes on disk change nothing
  const second = await buffer(archiveStream(plan()));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  expect(sha(second)).toBe(sha(first));

  const file = path.join(dir, 'out.tar');
  await fs.writeFile(file, first);
  const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } })
    .trim()
    .split('\n');
  expect(listing.map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual(['labels.txt', 'images/n01/a.jpg', longName]);
  expect(listing.every((l) => l.startsWith('-rw-r--r-- 0/0'))).toBe(true);
  expect(listing.every((l) => l.includes('1970-01-01'))).toBe(true);
  const out = path.join(dir, 'x');
  await fs.mkdir(out);
  execFileSync('tar', ['-xf', file, '-C', out]);
  expect(await fs.readFile(path.join(out, 'labels.txt'), 'utf8')).toBe('n01 tench\n');
  expect(await fs.readFile(path.join(out, longName), 'utf8')).toBe('second image');
});

it('fails the stream when an image cannot be read', async () => {
  const broken = { ...plan(), images: [{ name: 'images/n01/gone.jpg', file: path.join(dir, 'gone.jpg') }] };
  await expect(buffer(archiveStream(broken))).rejects.toThrow(/ENOENT/);
});
