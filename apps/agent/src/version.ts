import { readFileSync } from 'node:fs';
import * as path from 'node:path';

function readVersion(file: string): string {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return 'unknown';
  }
}

/** Read at run time so dist/ and the jest (src/) build report the same number. */
export const AGENT_VERSION = readVersion(path.join(__dirname, '..', 'package.json'));

export function onnxruntimeVersion(): string {
  try {
    return readVersion(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return 'unavailable';
  }
}
