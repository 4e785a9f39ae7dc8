import type { Logger } from '../logger';

/** A jest mock object with every listed method as jest.fn(). */
export function mockOf<T>(...methods: (keyof T)[]): jest.Mocked<T> {
  return Object.fromEntries(methods.map((m) => [m, jest.fn()])) as unknown as jest.Mocked<T>;
}

export function mockLogger(): jest.Mocked<Logger> {
  const l = {
    info: jest.fn(),
    warn: jest.fn(),
    error: jest.fn(),
    debug: jest.fn(),
    trace: jest.fn(),
    fatal: jest.fn(),
  } as unknown as jest.Mocked<Logger>;
  (l as unknown as { child: () => Logger }).child = () => l;
  return l;
}

export const fixedClock = (iso = '2026-01-01T00:00:00.000Z') => ({ now: jest.fn(() => new Date(iso)) });
