/** A value of one column in PostgreSQL's COPY text format: null, or text, a number or a boolean as PostgreSQL reads it. */
export type CopyValue = string | number | boolean | null;

/** Backslash, tab, newline and carriage return are COPY's own syntax in text format; anything else travels as is. */
const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyField(v: CopyValue): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  // float8 reads 'NaN' and 'Infinity' and the shortest round-trip form of every double exactly.
  if (typeof v === 'number') return String(v);
  return v.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]!);
}

/** One row of `COPY … FROM STDIN` (text format): fields tab-separated, the line ended. */
export function copyLine(values: readonly CopyValue[]): string {
  let line = copyField(values[0] ?? null);
  for (let i = 1; i < values.length; i++) line += '\t' + copyField(values[i]!);
  return line + '\n';
}

/** A timestamp column without time zone that holds UTC (Prisma's DateTime): `2026-03-01 10:00:00.123`. */
export function copyUtcTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** PostgreSQL refused a row because a unique index already holds its key (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
