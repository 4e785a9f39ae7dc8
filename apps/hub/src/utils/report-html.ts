import escapeHtml from 'escape-html';
import type { CampaignReport, ReportDevice, ReportGroup } from './campaign-report';
import { latencyBars, speedAccuracyScatter } from './report-svg';

// The campaign report as one self-contained HTML file: inline CSS and SVG, no script, no external reference.
// Every string from users or devices (names, settings keys, versions) goes through `e`.

const e = (v: unknown) => escapeHtml(String(v ?? ''));
const num = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const iso = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
const gib = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 30).toFixed(1)} GiB`);

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#111}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}td.n{text-align:right}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;margin:.25rem 0}.muted{color:#666}dt{font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}.flagged{color:#a15c00}figure{margin:0}`;

const table = (head: string[], rows: string[][], cls = '') =>
  `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.join('')}</tr>`)
    .join('')}</tbody></table>`;
const td = (v: string) => `<td>${v}</td>`;
const tn = (v: string) => `<td class="n">${v}</td>`;

function summary(r: CampaignReport): string {
  const jobs = Object.entries(r.jobCounts)
    .map(([s, n]) => `${e(s)}: ${n}`)
    .join(', ');
  const item = (k: string, v: string) => `<dt>${k}</dt><dd>${v}</dd>`;
  return `<h2>Summary</h2><dl>${[
    item('Campaign', `${e(r.name)} <span class="muted">(${e(r.id)})</span>`),
    item('State', e(r.state)),
    item('Created', e(iso(r.createdAt))),
    item('Last change', e(iso(r.updatedAt))),
    item('Models', r.models.map(e).join(', ') || '—'),
    item('Devices', String(r.devices.length)),
    item('Hardware classes', r.hardwareClasses.map(e).join(', ') || '—'),
    item('Comparability keys', r.settingsKeys.map((k) => `<code>${e(k)}</code>`).join('<br>') || '—'),
    item('Jobs', jobs || 'none'),
    item(
      'Results',
      r.truncated ? `the first ${r.results.length} (the report lists no more)` : String(r.results.length),
    ),
  ].join('')}</dl>`;
}

function group(g: ReportGroup, i: number): string {
  const title = `${g.hardwareClassName} — ${g.settingsKey}`;
  const figure = speedAccuracyScatter(g.rows, `Speed vs top-1 on ${title}`) ?? latencyBars(g.rows, `p50 on ${title}`);
  const rows = g.rows.map((r) => [
    tn(r.rank === null ? '—' : String(r.rank)),
    td(e(r.modelName)),
    tn(num(r.p50Ms)),
    tn(num(r.p90Ms)),
    tn(num(r.p95Ms)),
    tn(num(r.p99Ms)),
    tn(num(r.throughputIps, 1)),
    tn(r.top1Source === 'reference' ? `${pct(r.top1)} <span class="muted">(reference)</span>` : pct(r.top1)),
    tn(pct(r.top5)),
    td(
      r.flagged
        ? `<span class="flagged">${r.valid} valid, ${r.flagged} flagged (${r.reasons.map(e).join(', ')})</span>`
        : `${r.valid} valid`,
    ),
  ]);
  return `<section class="group" id="group-${i}"><h3>${e(g.hardwareClassName)}</h3><p class="muted">Comparability key <code>${e(g.settingsKey)}</code></p>${table(
    ['Rank', 'Model', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'img/s', 'top-1', 'top-5', 'Verdict'],
    rows,
    'ranking',
  )}${figure ? `<figure>${figure}</figure>` : ''}</section>`;
}

const device = (d: ReportDevice) => [
  td(e(d.name)),
  td(e(d.hardwareClassName)),
  td(e(d.agentVersion ?? '—')),
  td(e(d.onnxruntimeVersion ?? '—')),
  td(e(d.nodeVersion ?? '—')),
  td(e(d.os ?? '—')),
  td(e(d.kernel ?? '—')),
  td(e(d.cpu ?? '—')),
  tn(gib(d.memoryBytes)),
  td(d.providers.map(e).join(', ') || '—'),
];

export function renderCampaignReport(r: CampaignReport): string {
  const results = r.results.map(
    (x) =>
      `<li><strong>${e(x.modelName)}</strong> on ${e(x.deviceName)} <span class="muted">(${e(x.hardwareClassName)}, ${e(iso(x.measuredAt))}, ${x.verdict}, result ${e(x.id)})</span><pre>${e(x.command)}</pre></li>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(r.name)} · Fleetbench campaign report</title><style>${CSS}</style></head><body>
<h1>${e(r.name)}</h1><p class="muted">Fleetbench campaign report, generated ${e(iso(r.generatedAt))}. Figures are medians over this campaign's results; flagged results are not ranked.</p>
${summary(r)}
<h2>Results by hardware class</h2>${r.groups.map(group).join('\n') || '<p>No results yet.</p>'}
<h2>Environment</h2>${table(['Device', 'Hardware class', 'Agent', 'onnxruntime', 'Node.js', 'OS', 'Kernel', 'CPU', 'Memory', 'Providers'], r.devices.map(device), 'environment')}
<h2>Reproduce</h2><p class="muted">Each command downloads the exact model artifact (a hub API token in <code>$FLEETBENCH_TOKEN</code>) and runs the same benchmark with <code>fleetbench-agent</code>.</p><ol class="reproduce">${results.join('')}</ol>
</body></html>
`;
}
