'use client';

import { useMemo } from 'react';
import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import { placeLabels } from '@fleetbench/protocol';

/** Model names beside the chart's points, placed without overlaps; rendered inside the recharts surface. */
export function PointLabels({ points }: { points: { id: string; text: string; x: number; y: number }[] }) {
  const xScale = useXAxisScale();
  const yScale = useYAxisScale();
  const area = usePlotArea();
  const placed = useMemo(() => {
    if (!xScale || !yScale || !area) return [];
    const anchors = points.flatMap((p) => {
      const x = xScale(p.x);
      const y = yScale(p.y);
      return typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y)
        ? [{ id: p.id, text: p.text, x, y }]
        : [];
    });
    return placeLabels(anchors, { bounds: { x: area.x, y: area.y, w: area.width, h: area.height } });
  }, [points, xScale, yScale, area]);
  return (
    <g className="point-labels" data-testid="point-labels" data-placed={placed.length} data-points={points.length}>
      {placed.map((l) => (
        <text key={l.id} x={l.x} y={l.y} textAnchor={l.anchor} fontSize={11} fill="var(--fg)" pointerEvents="none">
          {l.text}
        </text>
      ))}
    </g>
  );
}
