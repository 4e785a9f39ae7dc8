import { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { AppError } from './app-error';

export interface FieldProblem {
  field: string;
  message: string;
}

export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(root)', message: i.message }));
}

/** Parses with a zod schema or throws a 400 that names every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = fieldProblems(r.error);
  throw new AppError(
    'validation-failed',
    `The ${what} is invalid: ${fields.map((f) => `${f.field} (${f.message})`).join('; ')}. Fix these fields and retry.`,
    { fields },
  );
}

/** `@Body(new ZodPipe(Schema))` / `@Query(new ZodPipe(Schema))`. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform {
  constructor(private readonly schema: S) {}
  transform(value: unknown, meta: ArgumentMetadata): z.infer<S> {
    return parseOrThrow(this.schema, value ?? {}, meta.type === 'query' ? 'query string' : 'request body');
  }
}

/** JSON Schema of a protocol schema for the OpenAPI document (swagger's own types are loose, hence `any`). */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, any> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, any>;
  delete s.$schema;
  return s;
}
