// Model-name labels beside scatter points without overlaps (pure; the dashboard's chart and the hub's campaign
// report): a greedy placement in the spirit of PaddleClas's annotated charts. Each label tries eight spots around its
// point, in order, and takes the first that overlaps no placed label, no point marker and stays inside the plot; a
// label with no free spot is left out (the tooltip and the table still name the point).

export interface LabelAnchor {
  id: string;
  text: string;
  /** Pixel position of the point. */
  x: number;
  y: number;
}

export interface PlacedLabel {
  id: string;
  text: string;
  /** Text position: x of the start, middle or end per `anchor`; y of the baseline. */
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  box: Box;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacementOptions {
  /** The plot area labels must stay in. */
  bounds: Box;
  /** Marker radius and gap between marker and label, px. */
  radius?: number;
  gap?: number;
  fontSize?: number;
  /** Average glyph width ÷ font size (0.6 is safe for a sans-serif at 11 px). */
  charWidth?: number;
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;

/** Places labels in the order given (put the ones that matter most, e.g. the Pareto front, first). */
export function placeLabels(anchors: readonly LabelAnchor[], opts: PlacementOptions): PlacedLabel[] {
  const r = opts.radius ?? 4;
  const gap = opts.gap ?? 3;
  const fs = opts.fontSize ?? 11;
  const cw = (opts.charWidth ?? 0.6) * fs;
  const markers: Box[] = anchors.map((a) => ({ x: a.x - r, y: a.y - r, w: 2 * r, h: 2 * r }));
  const placed: PlacedLabel[] = [];
  for (const a of anchors) {
    const w = a.text.length * cw;
    const h = fs;
    const d = r + gap;
    // [box left, box top, anchor, text x]: right, left, above, below, then the four diagonals.
    const spots: [number, number, PlacedLabel['anchor'], number][] = [
      [a.x + d, a.y - h / 2, 'start', a.x + d],
      [a.x - d - w, a.y - h / 2, 'end', a.x - d],
      [a.x - w / 2, a.y - d - h, 'middle', a.x],
      [a.x - w / 2, a.y + d, 'middle', a.x],
      [a.x + d, a.y - d - h, 'start', a.x + d],
      [a.x + d, a.y + d, 'start', a.x + d],
      [a.x - d - w, a.y - d - h, 'end', a.x - d],
      [a.x - d - w, a.y + d, 'end', a.x - d],
    ];
    for (const [bx, by, anchor, tx] of spots) {
      const box = { x: bx, y: by, w, h };
      if (!inside(box, opts.bounds)) continue;
      if (markers.some((m) => overlaps(box, m)) || placed.some((p) => overlaps(box, p.box))) continue;
      // Baseline about 80 % down the box for a cap-height-sized font.
      placed.push({ id: a.id, text: a.text, x: tx, y: by + h * 0.8, anchor, box });
      break;
    }
  }
  return placed;
}
