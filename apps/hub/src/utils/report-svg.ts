import { placeLabels } from '@fleetbench/protocol';
import escapeHtml from 'escape-html';
import type { ReportRankRow } from './campaign-report';

// Inline SVG figures of the campaign report: drawn on the hub, no script, no external reference, every label escaped.

const W = 640;
const PAD = { left: 64, right: 24, top: 28, bottom: 44 };
/** Pixel coordinates to 0.1 px: plenty for a 640 px figure, and a smaller file. */
const r1 = (v: number) => Math.round(v * 10) / 10;
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Evenly spaced ticks over [lo, hi] (inclusive), `n` intervals. */
const ticks = (lo: number, hi: number, n: number) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);

/** A range with a margin, so points never sit on the frame; a single value gets a ±10 % span. */
function span(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const m = hi > lo ? (hi - lo) * 0.1 : Math.max(Math.abs(lo) * 0.1, 1e-3);
  return [Math.max(0, lo - m), hi + m];
}

const svgOpen = (h: number, label: string) =>
  `<svg role="img" aria-label="${escapeHtml(label)}" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">`;

/** Speed vs top-1: median p50 (ms, x) against top-1 (%, y), one labelled point per model; a hollow point is the
 *  model's reference top-1, not measured in this campaign. */
export function speedAccuracyScatter(rows: ReportRankRow[], title: string): string | null {
  const pts = rows.filter((r) => r.top1 !== null && Number.isFinite(r.p50Ms));
  if (!pts.length) return null;
  const H = 320;
  const [x0, x1] = span(pts.map((r) => r.p50Ms));
  const [y0, y1] = span(pts.map((r) => (r.top1 as number) * 100));
  const px = (v: number) => r1(PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right));
  const py = (v: number) => r1(H - PAD.bottom - ((v - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom));
  const grid = [
    ...ticks(x0, x1, 5).map(
      (t) =>
        `<line x1="${px(t)}" y1="${PAD.top}" x2="${px(t)}" y2="${H - PAD.bottom}" stroke="#e5e5e5"/><text x="${px(t)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${fmt(t)}</text>`,
    ),
    ...ticks(y0, y1, 4).map(
      (t) =>
        `<line x1="${PAD.left}" y1="${py(t)}" x2="${W - PAD.right}" y2="${py(t)}" stroke="#e5e5e5"/><text x="${PAD.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    ),
  ];
  const xy = (r: ReportRankRow) => ({ x: px(r.p50Ms), y: py((r.top1 as number) * 100) });
  const points = pts.map((r) => {
    const { x, y } = xy(r);
    const style = r.top1Source === 'reference' ? 'fill="#fff" stroke="#2563eb" stroke-width="1.5"' : 'fill="#2563eb"';
    const tip = `${r.modelName}: p50 ${fmt(r.p50Ms)} ms, top-1 ${fmt((r.top1 as number) * 100)} % (${r.top1Source ?? ''})`;
    return `<circle cx="${x}" cy="${y}" r="4" ${style}><title>${escapeHtml(tip)}</title></circle>`;
  });
  // Names beside the points without overlaps; one with no free spot is left out (its tooltip and the table name it).
  const labels = placeLabels(
    pts.map((r, i) => ({ id: String(i), text: r.modelName, ...xy(r) })),
    { bounds: { x: PAD.left, y: PAD.top, w: W - PAD.left - PAD.right, h: H - PAD.top - PAD.bottom } },
  ).map((l) => `<text class="label" x="${l.x}" y="${l.y}" text-anchor="${l.anchor}">${escapeHtml(l.text)}</text>`);
  return [
    svgOpen(H, title),
    ...grid,
    `<text x="${(W + PAD.left) / 2}" y="${H - 8}" text-anchor="middle">median p50 latency (ms) — lower is faster</text>`,
    `<text transform="rotate(-90)" x="${-(H - PAD.bottom + PAD.top) / 2}" y="14" text-anchor="middle">top-1 (%)</text>`,
    ...(pts.some((r) => r.top1Source === 'reference')
      ? [
          `<text x="${W - PAD.right}" y="${PAD.top - 10}" text-anchor="end">filled: measured in this campaign · hollow: reference top-1</text>`,
        ]
      : []),
    ...points,
    ...labels,
    '</svg>',
  ].join('');
}

/** Median p50 per model as horizontal bars, fastest first (the figure when no accuracy was measured). */
export function latencyBars(rows: ReportRankRow[], title: string): string | null {
  const bars = rows.filter((r) => Number.isFinite(r.p50Ms));
  if (!bars.length) return null;
  const rowH = 22;
  const H = PAD.top + bars.length * rowH + PAD.bottom;
  const left = 200;
  const max = Math.max(...bars.map((r) => r.p50Ms)) || 1;
  const bw = (v: number) => r1((v / max) * (W - left - PAD.right - 60));
  return [
    svgOpen(H, title),
    ...bars.map((r, i) => {
      const y = PAD.top + i * rowH;
      return `<g class="bar"><text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(r.modelName)}</text><rect x="${left}" y="${y + 3}" width="${bw(r.p50Ms)}" height="${rowH - 6}" fill="#2563eb"/><text x="${left + bw(r.p50Ms) + 4}" y="${y + 14}">${fmt(r.p50Ms)} ms</text></g>`;
    }),
    `<text x="${(W + left) / 2}" y="${H - 8}" text-anchor="middle">median p50 latency (ms)</text>`,
    '</svg>',
  ].join('');
}
