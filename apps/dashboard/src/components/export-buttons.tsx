'use client';

import { fileStem, toCsv, toJson, type ExportColumn } from '../lib/export';

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "CSV" and "JSON" buttons exporting the rows as shown (filtered, sorted). `testId` prefixes the buttons' test ids. */
export function ExportButtons<T>({
  rows,
  columns,
  name,
  testId = 'export',
}: {
  rows: readonly T[];
  columns: readonly ExportColumn<T>[];
  name: string;
  testId?: string;
}) {
  const stem = fileStem(name);
  return (
    <span className="export">
      <button
        type="button"
        className="btn btn-small"
        data-testid={`${testId}-csv`}
        onClick={() => download(`${stem}.csv`, 'text/csv;charset=utf-8', toCsv(rows, columns))}
      >
        CSV
      </button>
      <button
        type="button"
        className="btn btn-small"
        data-testid={`${testId}-json`}
        onClick={() => download(`${stem}.json`, 'application/json', toJson(rows, columns))}
      >
        JSON
      </button>
    </span>
  );
}
