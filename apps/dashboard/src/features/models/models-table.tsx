'use client';

import type { Model } from '@fleetbench/protocol';
import { ExportButtons } from '../../components/export-buttons';
import { naturalCompare } from '../../lib/collate';
import { formatBytes, formatPercent, formatTimestamp } from '../../lib/format';
import { describeInput, describePreset, describeScoredOutput } from './model-io';

export function ModelsTable({ models }: { models: Model[] }) {
  if (!models.length) return <p className="muted">No models registered yet — upload one above.</p>;
  const sorted = models
    .slice()
    .sort((a, b) => (a.family ?? '').localeCompare(b.family ?? '') || naturalCompare(a.name, b.name));
  return (
    <>
      <div className="toolbar">
        <span className="muted small">{models.length} models</span>
        <span className="spacer" />
        <ExportButtons
          rows={sorted}
          name="models"
          testId="models-export"
          columns={[
            { key: 'id', value: (m) => m.id },
            { key: 'name', value: (m) => m.name },
            { key: 'family', value: (m) => m.family },
            { key: 'sha256', value: (m) => m.sha256 },
            { key: 'size_bytes', value: (m) => m.sizeBytes },
            { key: 'top1_reference', value: (m) => m.referenceMetrics?.top1 ?? null },
            { key: 'flops', value: (m) => m.flops },
            { key: 'source', value: (m) => m.source },
            { key: 'input', value: (m) => describeInput(m.ioFacts) },
            { key: 'scored_output', value: (m) => describeScoredOutput(m.ioFacts) },
            { key: 'preset', value: (m) => describePreset(m).text },
            { key: 'created_at', value: (m) => m.createdAt },
          ]}
        />
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="models-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Family</th>
              <th scope="col" className="num">
                Top-1 (published)
              </th>
              <th scope="col" className="num col-opt">
                Size
              </th>
              <th scope="col" className="col-opt" title="read from the model at registration">
                Input
              </th>
              <th
                scope="col"
                className="col-opt"
                title="the output accuracy runs score, its class axis and label offset"
              >
                Scored output
              </th>
              <th scope="col">Preset</th>
              <th scope="col" className="col-opt">
                sha256
              </th>
              <th scope="col" className="col-opt">
                Registered
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((m) => (
              <tr key={m.id} data-testid="model-row" data-model-id={m.id}>
                <th scope="row" className="cell-name">
                  {m.name}
                </th>
                <td>{m.family ?? '—'}</td>
                <td className="num">{formatPercent(m.referenceMetrics?.top1 ?? null)}</td>
                <td className="num col-opt">{formatBytes(m.sizeBytes)}</td>
                <td
                  className="col-opt mono small"
                  title={m.inputs.map((t) => `${t.name} ${t.dtype}[${t.shape.join('×')}]`).join(', ')}
                  data-testid="model-input"
                >
                  {describeInput(m.ioFacts)}
                </td>
                <td className="col-opt mono small" data-testid="model-output" title={m.ioFacts?.notes.join('; ')}>
                  {describeScoredOutput(m.ioFacts)}
                </td>
                <td className={`small${describePreset(m).proposed ? ' muted' : ''}`} data-testid="model-preset">
                  {describePreset(m).text}
                </td>
                <td className="col-opt mono small">{m.sha256.slice(0, 12)}…</td>
                <td className="col-opt nowrap small">{formatTimestamp(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
