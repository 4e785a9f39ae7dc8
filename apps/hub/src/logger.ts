import pino from 'pino';

export type Logger = pino.Logger;

/** Structured logs; secrets are redacted by key wherever they appear. */
export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { app: 'hub' },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
