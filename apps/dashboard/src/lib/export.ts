// CSV/JSON exports of tables (pure; the download itself is in components/export-buttons.tsx).

export interface ExportColumn<T> {
  /** Header / JSON key. */
  key: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR/LF, or leading/trailing space. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  // Spreadsheet formula injection: a text cell starting with = + - @ is read as a formula by Excel & co.
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T>(rows: readonly T[], columns: readonly ExportColumn<T>[]): string {
  const lines = [columns.map((c) => csvField(c.key)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function toJson<T>(rows: readonly T[], columns: readonly ExportColumn<T>[]): string {
  return JSON.stringify(
    rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.value(r) ?? null]))),
    null,
    2,
  );
}

/** A safe file name stem: letters, digits, dot, dash, underscore. */
export function fileStem(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 120) || 'export'
  );
}
