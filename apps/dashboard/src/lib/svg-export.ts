// A chart's SVG as a file that stands alone (browser only): the dashboard styles its charts with CSS variables and
// classes, which a saved .svg or a PNG drawn from it would lose, so the computed presentation styles are inlined.

const PRESENTATION = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
];

const SVG_NS = 'http://www.w3.org/2000/svg';

/** recharts draws its legend in HTML beside the SVG: its entries (colour, text) are redrawn as a row under the chart. */
function legendRow(wrapper: Element | null, width: number, top: number): { row: SVGGElement | null; height: number } {
  const items = Array.from(wrapper?.querySelectorAll('.recharts-legend-item') ?? []);
  if (!items.length) return { row: null, height: 0 };
  const row = document.createElementNS(SVG_NS, 'g');
  let x = 8;
  let y = top + 14;
  for (const item of items) {
    const text = item.querySelector('.recharts-legend-item-text')?.textContent ?? item.textContent ?? '';
    const icon = item.querySelector('svg path, svg rect, svg line');
    const colour = icon ? getComputedStyle(icon).fill : 'currentColor';
    const w = 18 + text.length * 7;
    if (x + w > width && x > 8) {
      x = 8;
      y += 18;
    }
    const swatch = document.createElementNS(SVG_NS, 'rect');
    Object.entries({ x, y: y - 9, width: 10, height: 10, fill: colour }).forEach(([k, v]) =>
      swatch.setAttribute(k, String(v)),
    );
    const label = document.createElementNS(SVG_NS, 'text');
    Object.entries({ x: x + 14, y, 'font-size': 12, fill: getComputedStyle(item).color }).forEach(([k, v]) =>
      label.setAttribute(k, String(v)),
    );
    label.textContent = text;
    row.append(swatch, label);
    x += w + 12;
  }
  return { row, height: y - top + 10 };
}

/** The SVG text of `svg` with inlined styles, its legend, its pixel size and a background of the page's colour. */
export function standaloneSvg(svg: SVGSVGElement): { text: string; width: number; height: number } {
  const { width, height: chartHeight } = svg.getBoundingClientRect();
  const legend = legendRow(svg.closest('.recharts-wrapper'), width, chartHeight);
  const height = chartHeight + legend.height;
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const to = [clone, ...Array.from(clone.querySelectorAll('*'))];
  const computed = new Map(from.map((el) => [el, getComputedStyle(el)]));
  from.forEach((el, i) => {
    const cs = computed.get(el)!;
    const parent = el === svg ? null : computed.get(el.parentElement!);
    // Only what differs from the parent (inheritance does the rest), so the file stays small.
    const style = PRESENTATION.filter((p) => !parent || cs.getPropertyValue(p) !== parent.getPropertyValue(p))
      .map((p) => `${p}:${cs.getPropertyValue(p)}`)
      .join(';');
    const copy = to[i]!;
    // Attributes that name CSS variables mean nothing outside the page; the inlined style replaces them.
    for (const attr of Array.from(copy.attributes)) if (attr.value.includes('var(--')) copy.removeAttribute(attr.name);
    if (style) copy.setAttribute('style', style);
    else copy.removeAttribute('style');
  });
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('width', String(Math.round(width)));
  clone.setAttribute('height', String(Math.round(height)));
  clone.setAttribute('viewBox', `0 0 ${Math.round(width)} ${Math.round(height)}`);
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#ffffff');
  clone.insertBefore(bg, clone.firstChild);
  if (legend.row) clone.appendChild(legend.row);
  return { text: new XMLSerializer().serializeToString(clone), width, height };
}

/** A PNG of the SVG at `scale` × its size (2: sharp on high-density screens and in slides). */
export async function svgToPng(svg: { text: string; width: number; height: number }, scale = 2): Promise<Blob> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.text)}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(svg.width * scale);
  canvas.height = Math.round(svg.height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, svg.width, svg.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
  );
}

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
