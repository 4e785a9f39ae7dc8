'use client';

import { useMemo, useState } from 'react';
import { ExportButtons } from '../../components/export-buttons';
import { FilterSelect } from '../../components/filter-select';
import type { ExportColumn } from '../../lib/export';
import { formatMs, formatPercent } from '../../lib/format';

export interface CatalogueRow {
  name: string;
  family: string;
  in117: boolean;
  inputSize: number | null;
  top1: number | null;
  top5: number | null;
  paramsM: number | null;
  gflops: number | null;
  sd855Ms: number | null;
  t4Fp32Ms: number | null;
  v100Ms: number | null;
  /** Registered on the hub (id) — null when only in the catalogue. */
  modelId: string | null;
}

const COLS: ExportColumn<CatalogueRow>[] = [
  { key: 'name', value: (r) => r.name },
  { key: 'family', value: (r) => r.family },
  { key: 'in_117', value: (r) => r.in117 },
  { key: 'input_size', value: (r) => r.inputSize },
  { key: 'top1_published', value: (r) => r.top1 },
  { key: 'top5_published', value: (r) => r.top5 },
  { key: 'params_m', value: (r) => r.paramsM },
  { key: 'gflops', value: (r) => r.gflops },
  { key: 'sd855_ms_published', value: (r) => r.sd855Ms },
  { key: 't4_trt_fp32_bs1_ms_published', value: (r) => r.t4Fp32Ms },
  { key: 'v100_trt_fp32_ms_published', value: (r) => r.v100Ms },
  { key: 'registered_model_id', value: (r) => r.modelId },
];

/** The PaddleClas catalogue from the zoo with its published reference metrics; filter by family / text / 117 list. */
export function CatalogueTable({ rows }: { rows: CatalogueRow[] }) {
  const [q, setQ] = useState('');
  const [family, setFamily] = useState('');
  const [only117, setOnly117] = useState(true);
  const families = useMemo(() => [...new Set(rows.map((r) => r.family))].sort(), [rows]);
  const shown = useMemo(
    () =>
      rows.filter(
        (r) =>
          (!only117 || r.in117) &&
          (!family || r.family === family) &&
          (!q || r.name.toLowerCase().includes(q.toLowerCase())),
      ),
    [rows, q, family, only117],
  );
  return (
    <>
      <div className="toolbar">
        <label>
          <span>Search</span>
          <input
            type="text"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="ResNet50…"
            data-testid="catalogue-search"
          />
        </label>
        <FilterSelect
          label="Family"
          value={family}
          onChange={setFamily}
          allLabel="All families"
          options={families}
          testId="catalogue-family"
        />
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '0.35rem' }}>
          <input
            type="checkbox"
            checked={only117}
            onChange={(e) => setOnly117(e.target.checked)}
            data-testid="catalogue-117"
          />{' '}
          original 117 only
        </label>
        <span className="spacer" />
        <span className="muted small" data-testid="catalogue-count">
          {shown.length} of {rows.length}
        </span>
        <ExportButtons rows={shown} columns={COLS} name="paddleclas-catalogue" testId="catalogue-export" />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="catalogue-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Family</th>
              <th scope="col" className="num">
                Top-1
              </th>
              <th scope="col" className="num col-opt">
                Top-5
              </th>
              <th scope="col" className="num col-opt">
                Params M
              </th>
              <th scope="col" className="num col-opt">
                GFLOPs
              </th>
              <th
                scope="col"
                className="num col-opt"
                title="Published by PaddleClas: Snapdragon 855, Paddle-Lite, 1 thread"
              >
                SD855 ms
              </th>
              <th scope="col" className="num col-opt" title="Published by PaddleClas: T4 TensorRT FP32 batch 1">
                T4 ms
              </th>
              <th scope="col" className="num col-opt" title="Published by PaddleClas: V100 TensorRT FP32">
                V100 ms
              </th>
              <th scope="col">On hub</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.name} data-testid="catalogue-row">
                <th scope="row" className="cell-name">
                  {r.name}
                </th>
                <td>{r.family}</td>
                <td className="num">{formatPercent(r.top1)}</td>
                <td className="num col-opt">{formatPercent(r.top5)}</td>
                <td className="num col-opt">{r.paramsM ?? '—'}</td>
                <td className="num col-opt">{r.gflops ?? '—'}</td>
                <td className="num col-opt">{formatMs(r.sd855Ms)}</td>
                <td className="num col-opt">{formatMs(r.t4Fp32Ms)}</td>
                <td className="num col-opt">{formatMs(r.v100Ms)}</td>
                <td>
                  {r.modelId ? (
                    <span className="badge badge-ok">registered</span>
                  ) : (
                    <span className="muted small">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        All figures here are published by PaddleClas (reference), not measured by this fleet.
      </p>
    </>
  );
}
