import type { Metadata } from 'next';
import { reproduceCommand } from '@fleetbench/protocol';
import Link from 'next/link';
import { Fragment } from 'react';
import { CopyButton } from '../../../components/copy-button';
import { HubErrorNotice } from '../../../components/hub-error';
import { describeSettingsKey } from '../../../features/leaderboard/settings-key';
import { decodeHistogram } from '../../../features/results/histogram';
import { HistogramChart } from '../../../features/results/histogram-chart';
import { describeScoring } from '../../../features/models/model-io';
import { SustainedCharts } from '../../../features/results/sustained-chart';
import { describeEnergy, describeSustained } from '../../../features/results/sustained-words';
import { getConfig } from '../../../config';
import { formatBytes, formatMs, formatPercent, formatThroughput, formatTimestamp } from '../../../lib/format';
import { hubApi } from '../../../lib/hub/api';
import { load } from '../../../lib/hub/load';
import { requireToken } from '../../../lib/session';

export const metadata: Metadata = { title: 'Result · Fleetbench' };

// A runner that cannot measure a figure (an external tool's memory, its first inference) reports null.
const NOT_MEASURED = 'not measured by this runner';
const msOrUnmeasured = (ms: number | null) => (ms === null ? NOT_MEASURED : `${formatMs(ms)} ms`);
const pair = (p: { before: number | null; after: number | null }, unit: string) =>
  p.before === null && p.after === null ? '—' : `${p.before ?? '?'} → ${p.after ?? '?'} ${unit}`;

export default async function ResultPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const here = `/results/${encodeURIComponent(id)}`;
  const token = await requireToken(here);
  const res = await load(hubApi.result(token, id), here);
  if (!res.ok) {
    return (
      <section>
        <h1>Result</h1>
        <HubErrorNotice problem={res.problem} />
      </section>
    );
  }
  const r = res.data;
  const m = r.metrics;
  const env = r.environment;
  const hist = decodeHistogram(r.histogram);
  const command = reproduceCommand({
    hubUrl: getConfig().hubPublicUrl,
    modelSha256: env.modelSha256,
    modelName: r.modelName,
    settings: r.settings,
    scoring: m.scoring ?? null,
  });

  return (
    <section data-testid="result-page">
      <p className="small">
        <Link href={`/devices/${encodeURIComponent(r.deviceId)}`}>{r.deviceName}</Link> ·{' '}
        <Link
          href={`/leaderboard?${new URLSearchParams({ class: r.hardwareClassId, settings: r.settingsKey }).toString()}`}
        >
          leaderboard
        </Link>
      </p>
      <h1>
        {r.modelName} <span className="muted">on {r.deviceName}</span>
      </h1>
      <p className="caption">
        {describeSettingsKey(r.settingsKey)} · measured {formatTimestamp(r.createdAt)} ·{' '}
        <span
          className={`badge ${r.verdict.status === 'valid' ? 'badge-ok' : 'badge-warn'}`}
          data-testid="result-verdict"
        >
          {r.verdict.status}
        </span>
      </p>
      {r.verdict.reasons.length ? (
        <div className="notice notice-warn" data-testid="verdict-reasons">
          <strong>Why it is flagged</strong>
          <ul>
            {r.verdict.reasons.map((x, i) => (
              <li key={i}>
                <span className="mono">{x.code}</span>: {x.detail}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="grid-2">
        <div className="card">
          <h2>Figures</h2>
          <dl className="kv" data-testid="result-metrics">
            <dt>p50 / p90 / p99</dt>
            <dd>
              {formatMs(m.latencyMs.p50)} / {formatMs(m.latencyMs.p90)} / {formatMs(m.latencyMs.p99)} ms
            </dd>
            <dt>mean ± sd</dt>
            <dd>
              {formatMs(m.latencyMs.mean)} ± {formatMs(m.latencyMs.std)} ms (min {formatMs(m.latencyMs.min)}, max{' '}
              {formatMs(m.latencyMs.max)})
            </dd>
            <dt>Throughput</dt>
            <dd>{formatThroughput(m.throughputIps)} img/s</dd>
            <dt>Iterations</dt>
            <dd>{m.iterations}</dd>
            <dt>Cold start</dt>
            <dd>
              session {msOrUnmeasured(m.coldStart.sessionCreateMs)} + first inference{' '}
              {msOrUnmeasured(m.coldStart.firstInferenceMs)}
            </dd>
            <dt>Peak memory</dt>
            <dd>{m.peakRssBytes === null ? NOT_MEASURED : formatBytes(m.peakRssBytes)}</dd>
            <dt>GFLOP/s</dt>
            <dd>
              {m.gflops !== null ? formatThroughput(m.gflops) : '—'}
              {m.peakShare != null ? ` (${formatPercent(m.peakShare)} of peak)` : ''}
            </dd>
            <dt>Top-1 / top-5</dt>
            <dd>
              {formatPercent(m.top1)} / {formatPercent(m.top5)}{' '}
              {m.accuracySamples ? `(${m.accuracySamples} samples)` : ''}
            </dd>
            {m.sustained ? (
              <>
                <dt>Sustained</dt>
                <dd data-testid="result-sustained">{describeSustained(m.sustained)}</dd>
              </>
            ) : null}
            {m.energy ? (
              <>
                <dt>Energy</dt>
                <dd data-testid="result-energy">{describeEnergy(m.energy)}</dd>
              </>
            ) : null}
            {m.scoring
              ? describeScoring(m.scoring).map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k}</dt>
                    <dd className="small" data-testid={`result-scoring-${k.toLowerCase().replace(/\s+/g, '-')}`}>
                      {v}
                    </dd>
                  </Fragment>
                ))
              : null}
          </dl>
        </div>
        <div className="card">
          <h2>Environment</h2>
          <dl className="kv" data-testid="result-environment">
            <dt>Agent / Node</dt>
            <dd>
              {env.agentVersion} / {env.nodeVersion}
            </dd>
            <dt>Runtime</dt>
            <dd>
              {env.runner ?? 'onnxruntime-node'} {env.runnerVersion ?? ''} · onnxruntime {env.onnxruntimeVersion}
            </dd>
            <dt>Provider / threads</dt>
            <dd>
              {env.executionProvider} · {env.intraOpThreads} intra × {env.interOpThreads} inter
            </dd>
            <dt>CPU frequency</dt>
            <dd>{pair(env.cpuFrequencyMHz, 'MHz')}</dd>
            <dt>Temperature</dt>
            <dd>
              {pair(env.temperatureC, '°C')}
              {env.thermalTripCrossed ? ' · thermal trip crossed' : ''}
            </dd>
            <dt>Other processes</dt>
            <dd>
              {env.otherProcessesCpuPercent !== null ? `${env.otherProcessesCpuPercent.toFixed(0)}% of a core` : '—'}
            </dd>
            <dt>Model sha256</dt>
            <dd className="mono small">{env.modelSha256}</dd>
            {env.datasetSha256 ? (
              <>
                <dt>Dataset sha256</dt>
                <dd className="mono small">{env.datasetSha256}</dd>
              </>
            ) : null}
          </dl>
        </div>
      </div>
      {m.sustained ? (
        <>
          <h2>Sustained run</h2>
          <SustainedCharts summary={m.sustained} />
          <p className="muted small">
            One point per interval; the dashed line marks where throughput fell below{' '}
            {Math.round(m.sustained.throttleThreshold * 100)} % of the first interval&apos;s and stayed there.
          </p>
        </>
      ) : null}
      <h2>Latency histogram</h2>
      {hist ? (
        <>
          <HistogramChart buckets={hist.buckets} />
          <p className="muted small" data-testid="histogram-summary">
            {hist.totalCount} iterations · {hist.percentiles.map((p) => `p${p.p} ${formatMs(p.ms)} ms`).join(' · ')}{' '}
            (from the HDR histogram, 3 significant digits)
          </p>
          <p className="muted small" data-testid="histogram-caption">
            {hist.trimmed ? (
              <>
                Equal-width bars from the fastest iteration up to {formatMs(hist.trimmed.cutMs)} ms
                {` (p${hist.trimmed.percentile}; the cut is p99, or p50 + 4 × the p50→p90 gap when that is lower); the `}
                {hist.trimmed.count} slowest iteration{hist.trimmed.count === 1 ? '' : 's'} (up to{' '}
                {formatMs(hist.maxMs)} ms) are gathered in the last, amber bar, so a long tail or one outlier does not
                squash the rest of the distribution.
              </>
            ) : (
              <>Equal-width bars from the fastest to the slowest iteration (no outliers stretched the range).</>
            )}
          </p>
        </>
      ) : (
        <p className="muted">No histogram was sent with this result.</p>
      )}
      <h2>Reproduce</h2>
      <div className="row-actions">
        <span className="muted small">
          Runs the same model artifact with the same settings on any device, without the hub:
        </span>
        <CopyButton text={command} testId="copy-command" />
      </div>
      <pre className="code" data-testid="reproduce-command">
        {command}
      </pre>
    </section>
  );
}
