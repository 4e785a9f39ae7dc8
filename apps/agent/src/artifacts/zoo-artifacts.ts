import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ZooRecipe } from '@fleetbench/protocol';
import { fsyncDir } from '../util/atomic-file';
import { AgentError } from '../util/errors';
import { silentLogger, type Logger } from '../util/logger';

/** The zoo is loaded on first use (it carries the catalogue and every architecture builder). */
function zoo(): typeof import('@fleetbench/zoo') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- sync lazy load, see above
  return require('@fleetbench/zoo') as typeof import('@fleetbench/zoo');
}

/** Folder of a built zoo model with external data files (`model.onnx` + the weight files beside it). */
export const zooDirOf = (cacheDir: string, sha256: string) => path.join(cacheDir, `${sha256}.zoo`);
const MODEL_FILE = 'model.onnx';
/** Written last in a `.zoo` folder: the external data file names, in hashing order. */
const COMPLETE_FILE = '.complete.json';

export interface MaterializeZooOptions {
  cacheDir: string;
  recipe: Omit<ZooRecipe, 'format'> & { format?: string };
  /** The sha256 the bytes must have (from the job); without it (local `bench --zoo`) whatever the zoo builds is kept. */
  expectedSha256?: string;
  signal?: AbortSignal;
  logger?: Logger;
  /**
   * For tests of the `<sha256>.zoo/` path: weights above this many bytes go to external data files (the zoo's
   * default is 1 GiB). It changes the bytes and so the sha256; jobs never set it.
   */
  externalDataThresholdBytes?: number;
}

/**
 * A zoo model as a local file, like a downloaded artifact: already-built bytes are re-verified and reused, else
 * the model is built (in a worker thread when running compiled), its sha256 compared with the job's, and the
 * files moved into the cache: `<cacheDir>/<sha256>` for a single file, `<cacheDir>/<sha256>.zoo/model.onnx` plus its
 * external data files when the weights exceed 1 GiB. A 3 GB model never crosses the network.
 */
export async function materializeZooModel(
  o: MaterializeZooOptions,
): Promise<{ path: string; sha256: string; built: boolean }> {
  const logger = o.logger ?? silentLogger();
  const { sha256OfBuiltFiles, buildModelFiles, RECIPE_FORMAT } = zoo();
  await fs.mkdir(o.cacheDir, { recursive: true });
  if (o.expectedSha256) {
    const cached = await cachedZooModel(o.cacheDir, o.expectedSha256, sha256OfBuiltFiles, logger);
    if (cached) return { path: cached, sha256: o.expectedSha256, built: false };
  }
  const tmp = path.join(o.cacheDir, `zoo-build-${process.pid}-${Date.now().toString(36)}`);
  try {
    const summary = await buildModelFiles({
      name: o.recipe.name,
      seed: o.recipe.seed,
      variant: o.recipe.variant,
      outDir: tmp,
      fileName: MODEL_FILE,
      ...(o.externalDataThresholdBytes !== undefined
        ? { externalDataThresholdBytes: o.externalDataThresholdBytes }
        : {}),
    }).catch((err: Error & { code?: string }) => {
      throw new AgentError(
        'model-load-failed',
        `The zoo could not build ${o.recipe.name} (seed ${o.recipe.seed}): ${err.message}`,
        { cause: err },
      );
    });
    if (o.signal?.aborted) throw o.signal.reason;
    if (o.expectedSha256 && summary.sha256 !== o.expectedSha256) {
      const format =
        o.recipe.format && o.recipe.format !== RECIPE_FORMAT
          ? ` The hub hashed recipe format ${o.recipe.format}, this agent's zoo builds format ${RECIPE_FORMAT}: update the agent or re-register the model.`
          : '';
      throw new AgentError(
        'checksum-mismatch',
        `The zoo model ${o.recipe.name} (seed ${o.recipe.seed}, ${o.recipe.variant}) built here has sha256 ${summary.sha256}, not the expected ${o.expectedSha256}; the files were deleted.${format}`,
      );
    }
    let final: string;
    if (!summary.externalData.length) {
      final = path.join(o.cacheDir, summary.sha256);
      await fs.rename(path.join(tmp, MODEL_FILE), final);
    } else {
      const dir = zooDirOf(o.cacheDir, summary.sha256);
      await fs.writeFile(
        path.join(tmp, COMPLETE_FILE),
        JSON.stringify({ externalData: summary.externalData.map((f) => f.path) }),
      );
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(tmp, dir);
      final = path.join(dir, MODEL_FILE);
    }
    await fsyncDir(o.cacheDir);
    logger.info(
      {
        name: o.recipe.name,
        seed: o.recipe.seed,
        sha256: summary.sha256,
        bytes: summary.sizeBytes,
        buildMs: summary.buildMs,
      },
      'zoo model built and verified',
    );
    return { path: final, sha256: summary.sha256, built: true };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A cached build whose files still hash to `sha256` (a bit flip or a hand edit must not produce wrong numbers). */
async function cachedZooModel(
  cacheDir: string,
  sha256: string,
  hash: (modelPath: string, externals?: string[]) => Promise<string>,
  logger: Logger,
): Promise<string | null> {
  const single = path.join(cacheDir, sha256);
  const dir = zooDirOf(cacheDir, sha256);
  let candidate: { file: string; externals: string[]; remove: string } | null = null;
  if (await isFile(single)) candidate = { file: single, externals: [], remove: single };
  else {
    const complete = await fs.readFile(path.join(dir, COMPLETE_FILE), 'utf8').catch(() => null);
    if (complete)
      candidate = {
        file: path.join(dir, MODEL_FILE),
        externals: (JSON.parse(complete) as { externalData: string[] }).externalData,
        remove: dir,
      };
  }
  if (!candidate) return null;
  if ((await hash(candidate.file, candidate.externals).catch(() => null)) === sha256) {
    const now = new Date();
    await fs.utimes(candidate.remove, now, now).catch(() => {});
    return candidate.file;
  }
  logger.warn({ sha256 }, 'cached zoo model does not match its sha256; building it again');
  await fs.rm(candidate.remove, { recursive: true, force: true });
  return null;
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
