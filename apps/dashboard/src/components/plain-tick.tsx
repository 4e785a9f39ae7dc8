'use client';

/** The props recharts hands a custom axis tick (the subset a plain label needs). */
interface TickProps {
  x?: number | string;
  y?: number | string;
  payload?: { value: unknown };
  index?: number;
  textAnchor?: 'start' | 'middle' | 'end' | 'inherit';
  verticalAnchor?: 'start' | 'middle' | 'end';
  fill?: string;
  fontSize?: number | string;
  className?: string;
  tickFormatter?: (value: unknown, index: number) => string;
}

const DY = { start: '0.71em', middle: '0.355em', end: '0' } as const;

/**
 * An axis label as one plain SVG `<text>`. Recharts' default tick measures every word of every label in the DOM (to
 * wrap it), which on an axis of 117 model names cost more than drawing the chart; our labels never wrap.
 */
export function PlainTick({
  x,
  y,
  payload,
  index = 0,
  textAnchor,
  verticalAnchor = 'middle',
  fill,
  fontSize,
  className,
  tickFormatter,
}: TickProps) {
  const value = payload?.value;
  return (
    <text
      x={x}
      y={y}
      dy={DY[verticalAnchor]}
      textAnchor={textAnchor}
      fill={fill}
      fontSize={fontSize}
      className={className}
    >
      {tickFormatter ? tickFormatter(value, index) : String(value ?? '')}
    </text>
  );
}
