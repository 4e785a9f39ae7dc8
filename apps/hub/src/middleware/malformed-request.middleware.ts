/**
 * Input that can never be valid is refused before routing, authentication or any database work: a request line with a
 * NUL byte or a broken percent-encoding (PostgreSQL refuses NUL in text, so such ids used to end in a 500), and JSON
 * bodies over the limit (413) or with a NUL in any string or key (400). Express middleware, installed ahead of
 * everything else by createApp.
 */
import { agentPackagePaths, apiPaths, type ErrorBody } from '@fleetbench/protocol';
import type { NextFunction, Request, Response } from 'express';

/** Largest JSON body the API takes (uploads of models and datasets are streamed, not JSON). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;
/** Longest request target (path + query); browsers and proxies stop near 8 kB too. */
export const MAX_URL_LENGTH = 8 * 1024;

function send(res: Response, statusCode: number, code: string, message: string): void {
  const body: ErrorBody = { statusCode, code, message };
  res.status(statusCode).json(body);
}

/** 414 for an overlong request target, 400 for NUL bytes or malformed percent-encoding in it. */
export function rejectMalformedUrl(req: Request, res: Response, next: NextFunction): void {
  const url = req.originalUrl ?? req.url;
  if (url.length > MAX_URL_LENGTH)
    return send(res, 414, 'uri-too-long', `The request URL is longer than ${MAX_URL_LENGTH} characters.`);
  let decoded: string;
  try {
    // `+` is a space in a query; decoding each part separately finds broken escapes in path and query alike.
    decoded = decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    return send(res, 400, 'bad-request', 'The request URL has a malformed percent-encoding.');
  }
  if (decoded.includes('\0'))
    return send(res, 400, 'bad-request', 'The request URL contains a NUL character, which no id or filter may hold.');
  next();
}

/** Bodies other than JSON: streamed uploads (POST, exactly these paths) and the types each takes. */
const STREAMED_UPLOADS: Record<string, string[]> = {
  [apiPaths.models]: ['application/octet-stream'],
  [apiPaths.datasets]: ['application/x-tar', 'application/octet-stream'],
  [agentPackagePaths.packages]: ['application/gzip', 'application/octet-stream'],
};

/**
 * 415 for a request body that is neither JSON nor a streamed upload where one is taken: without it a form or text
 * body reached the handlers as "no body", which the defaults of some requests accept.
 */
export function rejectUnsupportedBody(req: Request, res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return next();
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return next();
  const path = (req.originalUrl ?? req.url).split('?')[0].replace(/\/+$/, '');
  if (req.method === 'POST' && STREAMED_UPLOADS[path]?.includes(type)) return next();
  send(
    res,
    415,
    'unsupported-media-type',
    `A request body must be application/json${STREAMED_UPLOADS[path] ? ` or ${STREAMED_UPLOADS[path].join(' / ')}` : ''}; got ${type || 'no content type'}.`,
  );
}

/** JSON.parse reviver for request bodies: a NUL character in any string or key makes the body malformed (400). */
export function rejectNulReviver(key: string, value: unknown): unknown {
  if (key.includes('\0') || (typeof value === 'string' && value.includes('\0')))
    throw new SyntaxError('a string in the body contains a NUL character');
  return value;
}
