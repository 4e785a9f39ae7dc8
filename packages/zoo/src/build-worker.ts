/** Worker-thread entry of buildModelFiles (build-files.ts): builds one model, answers once, exits. */
import { parentPort, workerData } from 'node:worker_threads';
import { buildModelFilesSync, type BuildFilesOptions } from './build-files';
import { ZooError } from './zoo';

try {
  parentPort!.postMessage({ ok: true, summary: buildModelFilesSync(workerData as BuildFilesOptions) });
} catch (err) {
  parentPort!.postMessage({
    ok: false,
    code: err instanceof ZooError ? err.code : undefined,
    message: (err as Error).message,
  });
}
