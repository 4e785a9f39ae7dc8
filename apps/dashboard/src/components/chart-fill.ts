/**
 * How every chart fills its `.chart-box`: recharts' `responsive` mode sizes the SVG from the box with plain CSS and
 * draws once at the real size (`ResponsiveContainer` with a guessed initial size drew every chart twice). Spread onto
 * a chart: `<BarChart {...FILL_CHART_BOX} …>`.
 */
export const FILL_CHART_BOX = { responsive: true, style: { width: '100%', height: '100%' } } as const;
