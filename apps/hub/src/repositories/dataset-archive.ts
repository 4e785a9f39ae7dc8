import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { Header, Pack, ReadEntry, t as listTar } from 'tar';
import type { DatasetLayout } from '@fleetbench/protocol';
import { AppError } from '../utils/app-error';

/**
 * Dataset packaging: a labeled image folder on the hub becomes the one-file archive the agent expects
 * (apps/agent/README.md, "Dataset packaging"): an uncompressed tar archive (ustar; pax headers for long names) with
 *   labels.txt                      one class per line, line i = label i (first word = class key)
 *   images/<synset>_<name>.<ext>    synset-filenames layout, or
 *   images/<class>/<file>           imagefolder layout.
 * node-tar writes it; it is deterministic (entries sorted, fixed mtime and modes, no uid/gid or user names), so
 * the same folder (same files, same label list) always hashes to the same sha256.
 */

export const IMAGE_EXT = /\.(jpe?g|png|webp|gif|tiff?|bmp|avif)$/i;
const LABEL_FILES = ['labels.txt', 'LOC_synset_mapping.txt'];

export interface LabelList {
  /** Class keys in label order. */
  keys: string[];
  /** The lines written to labels.txt (the file's own lines when it came from a file, else the keys). */
  lines: string[];
}

export interface DatasetPlan {
  root: string;
  layout: DatasetLayout;
  labels: LabelList;
  /** Archive entries in archive order: `images/...` path in the archive → absolute source file. */
  images: { name: string; file: string }[];
}

const invalid = (reason: string, message: string, extra: Record<string, unknown> = {}) =>
  new AppError('invalid-dataset', message, { reason, ...extra });

/** Class key of a label line: its first word (`n01440764 tench, Tinca tinca` → n01440764). */
export function labelKey(line: string): string {
  return line.trim().split(/[\s,]/)[0] ?? '';
}

/** Checks a label list: non-empty, every entry a key, no duplicates. */
export function checkLabels(lines: string[], where: string): LabelList {
  const cleaned = lines.map((l) => l.trim()).filter(Boolean);
  if (cleaned.length === 0)
    throw invalid('bad-labels', `The label list ${where} is empty; give one class per line (first word = class key).`);
  const keys = cleaned.map(labelKey);
  const seen = new Set<string>();
  const dup = keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
  if (dup.length) {
    throw invalid(
      'bad-labels',
      `The label list ${where} names ${[...new Set(dup)].slice(0, 5).join(', ')} more than once; each class must appear once.`,
      {
        duplicates: [...new Set(dup)].slice(0, 20),
      },
    );
  }
  return { keys, lines: cleaned };
}

async function readLabelFile(file: string): Promise<LabelList> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw invalid(
      'bad-labels',
      `The hub cannot read the label list ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a file on the hub machine.`,
    );
  }
  return checkLabels(text.split('\n'), file);
}

/** Scans a folder and decides layout, label list and the sorted archive entries. Throws 400s the user can act on. */
export async function planDataset(req: {
  path: string;
  format?: DatasetLayout;
  labels?: string[];
  labelsPath?: string;
}): Promise<DatasetPlan> {
  const root = path.resolve(req.path);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat?.isDirectory())
    throw invalid('folder-missing', `The hub cannot read a folder at ${req.path}; give a folder on the hub machine.`);
  const entries = await fs.readdir(root, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const files = entries
    .filter((e) => e.isFile() && IMAGE_EXT.test(e.name))
    .map((e) => e.name)
    .sort();
  const layout: DatasetLayout =
    req.format ?? (dirs.length > 0 && files.length === 0 ? 'imagefolder' : 'synset-filenames');

  let labels: LabelList | null = req.labels
    ? checkLabels(req.labels, '`labels`')
    : req.labelsPath
      ? await readLabelFile(req.labelsPath)
      : null;
  if (!labels) {
    const found = [root, path.dirname(root)]
      .flatMap((d) => LABEL_FILES.map((f) => path.join(d, f)))
      .find((f) => existsSync(f));
    if (found) labels = await readLabelFile(found);
  }

  const images: DatasetPlan['images'] = [];
  if (layout === 'imagefolder') {
    labels ??= dirs.length ? checkLabels(dirs, '(the class folder names)') : null;
    const index = new Set(labels?.keys ?? []);
    const unknown = dirs.filter((d) => !index.has(d));
    if (unknown.length) {
      throw invalid(
        'unknown-classes',
        `Class folder(s) ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} are not in the label list; fix the list or the folder names.`,
        {
          unknown: unknown.slice(0, 50),
        },
      );
    }
    for (const d of dirs) {
      const inner = (await fs.readdir(path.join(root, d), { withFileTypes: true }))
        .filter((e) => e.isFile() && IMAGE_EXT.test(e.name))
        .map((e) => e.name)
        .sort();
      for (const f of inner) images.push({ name: `images/${d}/${f}`, file: path.join(root, d, f) });
    }
  } else {
    if (files.length && !labels) {
      throw invalid(
        'bad-labels',
        `The images in ${root} are named by class but there is no label list; give \`labels\` or \`labelsPath\` (one class per line, e.g. LOC_synset_mapping.txt), or put labels.txt beside the images.`,
      );
    }
    const index = new Set(labels?.keys ?? []);
    const unknown = new Set<string>();
    for (const f of files) {
      const key = f.split('_')[0];
      if (!f.includes('_') || !index.has(key)) unknown.add(key);
      images.push({ name: `images/${f}`, file: path.join(root, f) });
    }
    if (unknown.size) {
      const u = [...unknown];
      throw invalid(
        'unknown-classes',
        `Image names start with synset(s) ${u.slice(0, 5).join(', ')}${u.length > 5 ? ` and ${u.length - 5} more` : ''} that are not in the label list; name images <synset>_<anything>.<ext> with synsets of the list.`,
        {
          unknown: u.slice(0, 50),
        },
      );
    }
  }
  if (images.length === 0) {
    throw invalid(
      'no-images',
      `The folder ${root} holds no images (${IMAGE_EXT.source.replace(/\\/g, '')}) in the ${layout} layout; check the path and the format.`,
    );
  }
  return { root, layout, labels: labels!, images };
}

// ---- deterministic archive (node-tar) ------------------------------------------------------------------------------

/** Every entry's mtime: a fixed date, so the archive's bytes depend only on names, modes and contents. */
const FIXED_MTIME = new Date(0);

/** One regular file as a tar entry built in memory (node-tar writes the header, long names as pax). */
function fileEntry(name: string, data: Buffer): ReadEntry {
  const entry = new ReadEntry(
    new Header({ path: name, type: 'File', mode: 0o644, size: data.length, mtime: FIXED_MTIME }),
  );
  entry.end(data);
  return entry;
}

/**
 * The archive of a plan as a stream: labels.txt, then the images in the plan's sorted order. `portable` drops
 * uid/gid/user names and the fixed mtime keeps the bytes the same for the same folder. One image is read at a
 * time (the pack's back-pressure decides when the next one is read).
 */
export function archiveStream(plan: DatasetPlan): Readable {
  const pack = new Pack({ portable: true, mtime: FIXED_MTIME });
  const out = new PassThrough();
  const fail = (err: unknown) => out.destroy(err as Error);
  pack.on('error', fail);
  pack.pipe(out);
  void (async () => {
    const add = async (entry: ReadEntry) => {
      if (!pack.write(entry)) await new Promise((resolve) => pack.once('drain', resolve));
    };
    await add(fileEntry('labels.txt', Buffer.from(plan.labels.lines.join('\n') + '\n', 'utf8')));
    for (const img of plan.images) await add(fileEntry(img.name, await fs.readFile(img.file)));
    pack.end();
  })().catch(fail);
  return out;
}

// ---- uploaded archives ---------------------------------------------------------------------------------------------

export interface ArchiveSummary {
  layout: DatasetLayout;
  labels: string[];
  sampleCount: number;
}

/** Checks an uploaded archive against the agent's format and summarizes it (labels, layout, image count). */
export async function inspectArchive(file: string): Promise<ArchiveSummary> {
  const names: string[] = [];
  let labelText: string | null = null;
  let unsafe: string | null = null;
  try {
    await listTar({
      file,
      strict: true,
      onReadEntry: (entry) => {
        const p = entry.path.replace(/^\.\//, '');
        if (path.isAbsolute(p) || p.split('/').includes('..')) unsafe ??= p;
        if (p === 'labels.txt' && entry.type === 'File') {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => (labelText = Buffer.concat(chunks).toString('utf8')));
        } else {
          if (entry.type === 'File' && p.startsWith('images/') && IMAGE_EXT.test(p))
            names.push(p.slice('images/'.length));
          entry.resume();
        }
      },
    });
  } catch (err) {
    throw invalid(
      'not-a-tar',
      `The upload is not a readable tar archive (${(err as Error).message}); send an uncompressed tar as described in the agent README.`,
    );
  }
  if (unsafe)
    throw invalid(
      'unsafe-path',
      `The archive holds the unsafe path ${unsafe}; only relative paths without .. are allowed.`,
    );
  if (names.length === 0)
    throw invalid(
      'no-images',
      'The archive holds no images under images/; see the dataset format in the agent README.',
    );
  const nested = names.filter((n) => n.includes('/'));
  const flat = names.filter((n) => !n.includes('/'));
  if (nested.length && flat.length)
    throw invalid('mixed-layout', 'The archive mixes images/<file> and images/<class>/<file>; use one layout.');
  const layout: DatasetLayout = nested.length ? 'imagefolder' : 'synset-filenames';
  const text = labelText as string | null;
  let labels: string[];
  if (text !== null) labels = checkLabels(text.split('\n'), 'labels.txt of the archive').keys;
  else if (layout === 'imagefolder') labels = [...new Set(nested.map((n) => n.split('/')[0]))].sort();
  else
    throw invalid('bad-labels', 'The archive has synset-named images but no labels.txt; add one (one class per line).');
  const index = new Set(labels);
  const keys = layout === 'imagefolder' ? nested.map((n) => n.split('/')[0]) : flat.map((n) => n.split('_')[0]);
  const unknown = [...new Set(keys.filter((k) => !index.has(k)))];
  if (unknown.length) {
    throw invalid(
      'unknown-classes',
      `Images of class(es) ${unknown.slice(0, 5).join(', ')} are not in labels.txt; fix the label list or the names.`,
      { unknown: unknown.slice(0, 50) },
    );
  }
  return { layout, labels, sampleCount: names.length };
}
