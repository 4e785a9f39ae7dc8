import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256File } from '../artifacts/artifact-store';
import { AgentError } from '../util/errors';

const IMAGE = /\.(jpe?g|png|webp|gif|tiff?|bmp|avif)$/i;
const LABEL_FILES = ['labels.txt', 'LOC_synset_mapping.txt'];

export interface DatasetSample {
  /** Absolute path of the image. */
  file: string;
  /** Path relative to the dataset root (sorted order, part of the dataset hash). */
  rel: string;
  label: number;
}

export interface Dataset {
  root: string;
  format: 'synset-files' | 'image-folder';
  /** Class names in label-index order. */
  labels: string[];
  samples: DatasetSample[];
  /** Content hash: labels, and every sample's path, label and file sha256 (so a renamed or edited file changes it). */
  sha256: string;
}

/**
 * Reads a labeled image folder in one of two layouts:
 * - **synset-files**: images directly in `dir`, the label being the file-name prefix before the first `_`
 *   (`n01440764_tench.JPEG`), looked up in a label list (shared/data/imagenet-sample with LOC_synset_mapping.txt);
 * - **image-folder**: one sub-folder per class (`dir/<class>/<file>`); the label list defaults to the sorted folder
 *   names (torchvision ImageFolder order).
 * A label list is one class per line; the first word is the class key (`n01440764 tench, Tinca tinca` → n01440764).
 * Without `labelsFile`, `labels.txt` or `LOC_synset_mapping.txt` in `dir` or its parent is used.
 */
export async function loadDataset(dir: string, opts: { labelsFile?: string } = {}): Promise<Dataset> {
  const root = path.resolve(dir);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (err) {
    throw new AgentError(
      'dataset-invalid',
      `Cannot read the dataset folder ${root} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
    );
  }
  const labelsFile =
    opts.labelsFile ??
    [root, path.dirname(root)].flatMap((d) => LABEL_FILES.map((f) => path.join(d, f))).find((f) => existsSync(f));
  const listed = labelsFile ? await readLabels(labelsFile) : null;
  const dirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const files = entries
    .filter((e) => e.isFile() && IMAGE.test(e.name))
    .map((e) => e.name)
    .sort();

  let format: Dataset['format'];
  let labels: string[];
  const samples: DatasetSample[] = [];
  if (dirs.length > 0 && files.length === 0) {
    format = 'image-folder';
    labels = listed ?? dirs;
    const index = new Map(labels.map((l, i) => [l, i]));
    for (const d of dirs) {
      const label = index.get(d);
      if (label === undefined)
        throw new AgentError('dataset-invalid', `Class folder "${d}" is not in the label list ${labelsFile ?? ''}.`);
      const inner = (await fs.readdir(path.join(root, d))).filter((f) => IMAGE.test(f)).sort();
      for (const f of inner) samples.push({ file: path.join(root, d, f), rel: `${d}/${f}`, label });
    }
  } else {
    format = 'synset-files';
    if (!listed)
      throw new AgentError(
        'dataset-invalid',
        `The dataset ${root} has images named by class but no label list; pass --labels FILE (one class per line, e.g. LOC_synset_mapping.txt) or put labels.txt beside the images.`,
      );
    labels = listed;
    const index = new Map(labels.map((l, i) => [l, i]));
    for (const f of files) {
      const key = f.split('_')[0];
      const label = index.get(key);
      if (label === undefined)
        throw new AgentError('dataset-invalid', `Image ${f} starts with "${key}", which is not in ${labelsFile}.`);
      samples.push({ file: path.join(root, f), rel: f, label });
    }
  }
  if (samples.length === 0) throw new AgentError('dataset-invalid', `The dataset folder ${root} holds no images.`);
  return { root, format, labels, samples, sha256: await datasetHash(labels, samples) };
}

export async function readLabels(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new AgentError('dataset-invalid', `Cannot read the label list ${file} (${(err as Error).message}).`);
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/[\s,]/)[0]);
}

async function datasetHash(labels: string[], samples: DatasetSample[]): Promise<string> {
  const fileHashes = await mapLimit(samples, 8, (s) => sha256File(s.file));
  const h = createHash('sha256').update(`fleetbench-dataset/1\n${labels.join('\n')}\n`);
  samples.forEach((s, i) => h.update(`${s.rel}\0${s.label}\0${fileHashes[i]}\n`));
  return h.digest('hex');
}

/** Maps with at most `limit` promises in flight, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
