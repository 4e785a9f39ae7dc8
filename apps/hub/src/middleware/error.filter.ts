import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { ErrorBody } from '@fleetbench/protocol';
import type { Response } from 'express';
import type { Logger } from '../logger';
import { LOGGER } from '../repositories/tokens';
import { AppError } from '../utils/app-error';

const HTTP_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
};

/** Client errors raised by Express and its body parser (http-errors: a 4xx `status` and `expose: true`). */
function clientError(err: unknown): { status: number; type?: string } | null {
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : NaN;
  if (!(status >= 400 && status < 500) || e?.expose !== true) return null;
  return { status, type: typeof e.type === 'string' ? e.type : undefined };
}

const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON (or holds a NUL character).',
  'entity.too.large': 'The request body is too large for this endpoint; send less, or upload files as a stream.',
  'encoding.unsupported': 'The request body has an unsupported content encoding.',
  'charset.unsupported': 'The request body has an unsupported charset; send UTF-8.',
  'request.aborted': 'The request was aborted before its body arrived.',
  'request.size.invalid': 'The request body is shorter or longer than its Content-Length.',
};

/** Every error leaves as ErrorBody. Unknown errors are logged and answered with a generic 500. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const res = host.switchToHttp().getResponse<Response>();
    let body: ErrorBody;
    if (err instanceof AppError) {
      body = err.toBody();
      const retry = (err.details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
      if (err.code === 'too-many-requests' && typeof retry === 'number' && !res.headersSent)
        res.setHeader('Retry-After', String(retry));
    } else if (err instanceof HttpException) {
      const status = err.getStatus();
      body = {
        statusCode: status,
        code: HTTP_CODES[status] ?? (status >= 500 ? 'internal' : 'bad-request'),
        message: err.message,
      };
    } else if (clientError(err)) {
      const { status, type } = clientError(err)!;
      body = {
        statusCode: status,
        code: HTTP_CODES[status] ?? 'bad-request',
        message: (type && CLIENT_ERROR_MESSAGES[type]) ?? 'The request is malformed.',
      };
    } else {
      this.logger.error({ err }, 'unhandled error');
      body = {
        statusCode: 500,
        code: 'internal',
        message: 'The hub hit an unexpected error; see its log for details.',
      };
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(body.statusCode).json(body);
  }
}
