import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may carry a secret; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'mqtt.password',
  '*.mqtt.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/** CLI logs go to stderr so `bench --json` keeps stdout clean. */
export function createLogger(level = 'info', destination: number = 2): Logger {
  return pino(
    { level, base: { app: 'fleetbench-agent' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    pino.destination({ fd: destination, sync: true }),
  );
}

/** A logger that drops everything (tests and library callers that pass none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
