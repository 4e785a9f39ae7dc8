/**
 * Builds a zoo model off the caller's event loop: in a worker thread when running compiled (dist/, where
 * `build-worker.js` sits beside this file), inline otherwise (tests run the TypeScript sources). A hub or an agent
 * must not stall its MQTT keep-alives for the minute a 3 GB model takes, and the worker's memory is released as
 * soon as it exits. Optionally writes the model (and its external data files, beside it) into a folder.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TensorDescription } from './graph/onnx-serialiser';
import { buildModel, ZooError, type BuildModelOptions, type BuiltModel, type ZooErrorCode } from './zoo';

export interface BuildFilesOptions extends BuildModelOptions {
  /** Folder to write into; nothing is written without it (the caller only wants the sha256 and size). */
  outDir?: string;
  /** Name of the .onnx file in `outDir` (default `<name>.onnx`). External data files keep the zoo's names. */
  fileName?: string;
  /** Run in a worker thread: true, false, or 'auto' (default: a worker when the compiled worker file exists). */
  worker?: boolean | 'auto';
}

export interface BuiltModelSummary {
  sha256: string;
  /** Model bytes plus every external data file. */
  sizeBytes: number;
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  externalData: Array<{ path: string; sizeBytes: number }>;
  recipe: BuiltModel['recipe'];
  /** Set when `outDir` was given: the written .onnx file. */
  modelPath?: string;
  /** How long the build took (ms). */
  buildMs: number;
}

/** The synchronous body (also what the worker runs). */
export function buildModelFilesSync(o: BuildFilesOptions): BuiltModelSummary {
  const started = Date.now();
  const built = buildModel({
    name: o.name,
    seed: o.seed,
    variant: o.variant,
    ...(o.externalDataThresholdBytes !== undefined ? { externalDataThresholdBytes: o.externalDataThresholdBytes } : {}),
  });
  let modelPath: string | undefined;
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    for (const f of built.externalData) writeFileSync(path.join(o.outDir, f.path), f.bytes);
    modelPath = path.join(o.outDir, o.fileName ?? `${o.name}.onnx`);
    writeFileSync(modelPath, built.bytes);
  }
  return {
    sha256: built.sha256,
    sizeBytes: built.bytes.byteLength + built.externalData.reduce((a, f) => a + f.bytes.byteLength, 0),
    inputs: built.inputs,
    outputs: built.outputs,
    externalData: built.externalData.map((f) => ({ path: f.path, sizeBytes: f.bytes.byteLength })),
    recipe: built.recipe,
    ...(modelPath ? { modelPath } : {}),
    buildMs: Date.now() - started,
  };
}

const WORKER_FILE = path.join(__dirname, 'build-worker.js');

/** Builds (and optionally writes) a zoo model; see the module comment for where it runs. */
export async function buildModelFiles(o: BuildFilesOptions): Promise<BuiltModelSummary> {
  const useWorker = o.worker === true || ((o.worker ?? 'auto') === 'auto' && existsSync(WORKER_FILE));
  const { worker: _w, ...options } = o;
  if (!useWorker) {
    // Still asynchronous for the caller: let pending I/O run first.
    await new Promise((r) => setImmediate(r));
    return buildModelFilesSync(options);
  }
  return new Promise<BuiltModelSummary>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: options });
    let settled = false;
    worker.once(
      'message',
      (m: { ok: true; summary: BuiltModelSummary } | { ok: false; code?: ZooErrorCode; message: string }) => {
        settled = true;
        if (m.ok) resolve(m.summary);
        else reject(m.code ? new ZooError(m.code, m.message) : new Error(m.message));
      },
    );
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled)
        reject(new Error(`the zoo build worker exited with code ${code} before answering (out of memory?)`));
      settled = true;
    });
  });
}

/** sha256 of files as the zoo computes it: model bytes, then for each external file its name, a 0 byte and its bytes. */
export async function sha256OfBuiltFiles(modelPath: string, externalNames: string[] = []): Promise<string> {
  const hash = createHash('sha256');
  const feed = async (file: string) => {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  };
  await feed(modelPath);
  for (const name of externalNames) {
    hash.update(Buffer.from(name, 'utf8'));
    hash.update(Buffer.from([0]));
    await feed(path.join(path.dirname(modelPath), name));
  }
  return hash.digest('hex');
}
