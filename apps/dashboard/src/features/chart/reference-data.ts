import { catalogue, referenceHardware } from '@fleetbench/zoo';

/** Published reference hardware from the zoo (server side: the catalogue stays out of the browser bundle). */
export const REFERENCE_PREFIX = 'ref:';

export function referenceSources(): { id: string; name: string; hw: (typeof referenceHardware)[number] }[] {
  return referenceHardware.map((hw) => ({ id: `${REFERENCE_PREFIX}${hw.id}`, name: hw.name, hw }));
}

export function findReference(id: string | undefined) {
  if (!id?.startsWith(REFERENCE_PREFIX)) return undefined;
  return referenceHardware.find((hw) => `${REFERENCE_PREFIX}${hw.id}` === id);
}

export { catalogue };
