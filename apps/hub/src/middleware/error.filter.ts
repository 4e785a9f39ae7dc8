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
    } else if (err instanceof HttpException) {
      const status = err.getStatus();
      body = {
        statusCode: status,
        code: HTTP_CODES[status] ?? (status >= 500 ? 'internal' : 'bad-request'),
        message: err.message,
      };
    } else if ((err as { type?: string })?.type === 'entity.parse.failed') {
      body = { statusCode: 400, code: 'bad-request', message: 'The request body is not valid JSON.' };
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
