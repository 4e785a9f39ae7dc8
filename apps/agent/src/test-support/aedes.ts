import Module from 'node:module';

/**
 * aedes 1.x is ESM-only. Node ≥ 20.19 can require() it, but jest's CommonJS runtime refuses ESM, so load it through
 * Node's own loader (outside jest's module registry). Tests only.
 */
export function loadAedes(): typeof import('aedes') {
  const load = (Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown })._load;
  return load(require.resolve('aedes'), null, false) as typeof import('aedes');
}
