// Test data lives in ../shared/data beside the checkout (never copied into the repo); FLEETBENCH_SHARED_DATA
// points elsewhere when it is not there.
import path from 'node:path';

export const SHARED_DATA = path.resolve(
  process.env.FLEETBENCH_SHARED_DATA ?? path.join(__dirname, '../../../shared/data'),
);

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}
