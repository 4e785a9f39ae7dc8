import pino from 'pino';

export type Logger = pino.Logger;

/** Structured logs; secrets are redacted by key wherever they appear. `destination` (tests) defaults to stdout. */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
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
        'ticket',
        '*.ticket',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
