// The zoo's published data (server components only), through the package's `./catalogue` export: its main entry also
// exports the ONNX builders (worker threads, protobuf), which must not be bundled into the dashboard.
import { CATALOGUE_ENTRIES, REFERENCE_HARDWARE } from '@fleetbench/zoo/catalogue';

export const catalogue = CATALOGUE_ENTRIES;
export const referenceHardware = REFERENCE_HARDWARE;

/** Published reference hardware ids are prefixed in URLs so they never collide with measured class ids. */
export const REFERENCE_PREFIX = 'ref:';

export function referenceSources(): { id: string; name: string; hw: (typeof referenceHardware)[number] }[] {
  return referenceHardware.map((hw) => ({ id: `${REFERENCE_PREFIX}${hw.id}`, name: hw.name, hw }));
}

export function findReference(id: string | undefined) {
  if (!id?.startsWith(REFERENCE_PREFIX)) return undefined;
  return referenceHardware.find((hw) => `${REFERENCE_PREFIX}${hw.id}` === id);
}
