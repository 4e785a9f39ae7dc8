import type { ErrorBody } from '@fleetbench/protocol';

/** Every error code the hub returns, with its HTTP status: the one place that maps them. */
export const ERROR_STATUS = {
  'bad-request': 400,
  'validation-failed': 400,
  'invalid-model': 400,
  'checksum-mismatch': 400,
  'unknown-model': 400,
  'no-matching-devices': 400,
  'invalid-dataset': 400,
  'unknown-dataset': 400,
  'dataset-required': 400,
  'preprocessing-required': 400,
  'unknown-zoo-models': 400,
  unauthorized: 401,
  'invalid-enrollment-token': 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'range-not-satisfiable': 416,
  'too-many-requests': 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The hub's one application error: a stable code plus a sentence the user can act on. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return {
      statusCode: this.status,
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }

  static notFound(what: string, id: string): AppError {
    return new AppError(
      'not-found',
      `${what} ${id} does not exist; check the id (list them with GET on the collection).`,
    );
  }
}
