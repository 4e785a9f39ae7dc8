// The zoo's published data, read straight from its two data modules (server components only). Not through
// `@fleetbench/zoo`'s index: that also exports the ONNX builders (worker threads, protobuf) which must not be bundled
// into the dashboard. Both modules are plain data with type-only imports.
import { CATALOGUE_ENTRIES } from '../../../../../packages/zoo/src/catalogue.generated';
import { REFERENCE_HARDWARE } from '../../../../../packages/zoo/src/reference-hardware';

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
