import type { Logger } from '../logger';

/**
 * Properties a mock must not answer with a function: `then` (the mock would look like a promise), jest's own
 * equality hooks, JSON and React/DOM probes.
 */
const NOT_METHODS = new Set<PropertyKey>(['then', 'asymmetricMatch', 'toJSON', 'nodeType', '$$typeof', 'constructor']);

/**
 * A typed mock of a class or interface: every method is a jest.fn(), made the first time a test or the code under
 * test touches it, so no spec lists methods by hand (and a renamed method is a type error in the spec).
 */
export function mockOf<T extends object>(): jest.Mocked<T> {
  return new Proxy({} as Record<PropertyKey, unknown>, {
    get(target, key) {
      if (key in target) return target[key];
      if (typeof key === 'symbol' || NOT_METHODS.has(key)) return undefined;
      return (target[key] = jest.fn());
    },
  }) as jest.Mocked<T>;
}

/** A logger whose every level is a jest.fn(); `child()` returns the same logger, so calls land in one place. */
export function mockLogger(): jest.Mocked<Logger> {
  const l = mockOf<Logger>();
  (l.child as unknown as jest.Mock).mockReturnValue(l);
  return l;
}

export const fixedClock = (iso = '2026-01-01T00:00:00.000Z') => ({ now: jest.fn(() => new Date(iso)) });
