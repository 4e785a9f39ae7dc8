import { AgentError } from '../util/errors';

export type Ort = typeof import('onnxruntime-node');

let ortModule: Ort | null = null;

/** onnxruntime-node, loaded on first use so that `--help` and enrollment work where the native binding does not. */
export function loadOrt(): Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native binding: loaded when first needed, so a device without it still enrolls and answers --help
      ortModule = require('onnxruntime-node') as Ort;
      // Keep native warnings (e.g. a provider library that is not installed) out of the agent's own logs.
      ortModule.env.logLevel = 'fatal';
    } catch (err) {
      throw new AgentError(
        'provider-unavailable',
        `onnxruntime-node cannot be loaded on this device (${(err as Error).message}).`,
        { cause: err },
      );
    }
  }
  return ortModule;
}
