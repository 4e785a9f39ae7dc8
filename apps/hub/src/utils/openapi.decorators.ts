import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { ErrorBodySchema } from '@fleetbench/protocol';
import type { z } from 'zod';
import { jsonSchema } from './zod';

/** OpenAPI for a route from the protocol's zod schemas (the single source of truth for shapes). */
export function ApiDoc(opts: {
  body?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  errors?: number[];
  summary?: string;
}) {
  const decorators = [];
  if (opts.body) decorators.push(ApiBody({ schema: jsonSchema(opts.body, 'input') }));
  if (opts.response) decorators.push(ApiResponse({ status: opts.status ?? 200, schema: jsonSchema(opts.response) }));
  for (const status of opts.errors ?? []) decorators.push(ApiResponse({ status, schema: jsonSchema(ErrorBodySchema) }));
  return applyDecorators(...decorators);
}
