'use client';

import { useState, type RefObject } from 'react';
import { fileStem } from '../lib/export';
import { downloadBlob, standaloneSvg, svgToPng } from '../lib/svg-export';

/** "SVG" and "PNG" buttons saving the chart drawn inside `target` (its recharts surface) as it looks now. */
export function ChartDownloads({
  target,
  name,
  testId = 'chart-download',
}: {
  target: RefObject<HTMLElement | null>;
  name: string;
  testId?: string;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const save = async (kind: 'svg' | 'png') => {
    setProblem(null);
    const svg = target.current?.querySelector<SVGSVGElement>('.recharts-wrapper > svg.recharts-surface');
    if (!svg) return setProblem('no chart to save yet');
    try {
      const s = standaloneSvg(svg);
      const blob = kind === 'svg' ? new Blob([s.text], { type: 'image/svg+xml' }) : await svgToPng(s);
      downloadBlob(`${fileStem(name)}.${kind}`, blob);
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <span className="export">
      <button type="button" className="btn btn-small" data-testid={`${testId}-svg`} onClick={() => void save('svg')}>
        SVG
      </button>
      <button type="button" className="btn btn-small" data-testid={`${testId}-png`} onClick={() => void save('png')}>
        PNG
      </button>
      {problem ? <span className="muted small">{problem}</span> : null}
    </span>
  );
}
