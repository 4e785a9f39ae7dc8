import type { AccuracyScoring, Model, ModelIoFacts } from '@fleetbench/protocol';

/** "uint8 NHWC 3×128×128" — the input as read from the model (symbolic sizes as "?"). */
export function describeInput(facts: ModelIoFacts | null | undefined): string {
  const i = facts?.input;
  if (!i) return '—';
  if (!i.layout) return `${i.name} ${i.dtype} [${i.shape.join(',')}]`;
  return `${i.dtype} ${i.layout} ${i.channels ?? '?'}×${i.height ?? '?'}×${i.width ?? '?'}`;
}

/** "prob [N,1000,1,1] · 1000 classes on axis 1" (+ "· label offset 1"), or why no output holds class scores. */
export function describeScoredOutput(facts: ModelIoFacts | null | undefined): string {
  if (!facts) return '—';
  const o = facts.outputs.find((x) => x.name === facts.scoredOutput);
  if (!o) return 'no class-score output';
  const extra = facts.outputs.length > 1 ? ` · 1st of ${facts.outputs.length} outputs` : '';
  return `${o.name} [${o.shape.join(',')}] · ${o.classes ?? '?'} classes on axis ${o.classAxis}${facts.labelOffset ? ` · label offset ${facts.labelOffset}` : ''}${extra}`;
}

/** The model's preprocessing preset, or the hub's proposal when none is stored. */
export function describePreset(m: Pick<Model, 'preprocessing' | 'ioFacts'>): { text: string; proposed: boolean } {
  if (m.preprocessing) return { text: m.preprocessing.preset ?? 'custom spec', proposed: false };
  const p = m.ioFacts?.proposedPreset;
  return p ? { text: `${p} (proposed)`, proposed: true } : { text: '—', proposed: false };
}

/** What an accuracy result scored: output and class axis, label offset and why, preset and input. */
export function describeScoring(s: AccuracyScoring): Array<[string, string]> {
  return [
    ['Preset', s.preset ?? 'custom spec'],
    [
      'Input',
      `${s.input.name} ${s.input.dtype} ${s.input.layout} ${s.input.channels}×${s.input.crop}×${s.input.crop} (shorter side ${s.input.resizeShorter}, centre crop ${s.input.crop})`,
    ],
    ['Scored output', `${s.output} [${s.outputShape.join(',')}], class axis ${s.classAxis} — ${s.outputChoice}`],
    ['Label offset', `${s.labelOffset} (${s.labelOffsetReason})`],
  ];
}
