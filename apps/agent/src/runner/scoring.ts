import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import {
  outputFacts,
  selectOutput,
  type AccuracyScoring,
  type ModelOutputFacts,
  type PreprocessingSpec,
} from '@fleetbench/protocol';
import { AgentError } from '../util/errors';
import { fromHalfBits } from './input-data';

// Scoring an accuracy run: which output holds the class scores, how labels map onto it, and the rank of the true
// class in one sample's scores.

export type ScoredOutput = Pick<
  AccuracyScoring,
  'output' | 'outputShape' | 'classAxis' | 'classes' | 'outputChoice' | 'labelOffset' | 'labelOffsetReason'
>;

/**
 * The output to score and how labels map onto its classes, from the shapes the first run returned: the class axis
 * is the one axis after the batch axis that is not 1 ([N,C], [N,C,1,1], [N,1,C] …); with several outputs the first
 * whose class count fits the labels, or `outputName`. The class count must be labels + offset (offset 1 when there
 * is one class more, or as the spec says): anything else is an error naming both shapes, never a figure.
 */
export function chooseScoredOutput(
  session: Pick<InferenceSession, 'outputNames'>,
  first: Record<string, Pick<OrtTensor, 'dims' | 'type'>>,
  batch: number,
  labels: number,
  spec: PreprocessingSpec | undefined,
): ScoredOutput {
  const facts: ModelOutputFacts[] = session.outputNames.map((name) => {
    const t = first[name];
    // Non-tensor outputs (sequences, maps such as ZipMap) hold no class-score axis.
    if (!t || !Array.isArray(t.dims)) return { name, dtype: 'non-tensor', shape: [], classAxis: null, classes: null };
    return outputFacts({ name, dtype: t.type, shape: [...t.dims] });
  });
  const { output, why } = selectOutput(facts, labels, spec?.outputName);
  const dataset = `the dataset has ${labels} labels`;
  if (!output)
    throw new AgentError(
      'output-mismatch',
      `Cannot score this model against the dataset: ${why}; ${dataset}.${spec?.outputName ? '' : ' Name the output to score with --output NAME.'}`,
    );
  const shape = `[${output.shape.join(',')}]`;
  if (output.classAxis === null || output.classes === null)
    throw new AgentError(
      'output-mismatch',
      `Output "${output.name}" has shape ${shape}, which has no single class axis (one axis after the batch axis that is not 1); ${dataset}.`,
    );
  if ((output.shape.length > 1 && output.shape[0] !== batch) || (output.shape.length === 1 && batch !== 1))
    throw new AgentError(
      'output-mismatch',
      `Output "${output.name}" has shape ${shape} for a batch of ${batch}; its first axis must be the batch.`,
    );
  const classes = output.classes;
  let labelOffset: number;
  let labelOffsetReason: string;
  if (spec?.labelOffset !== undefined) {
    labelOffset = spec.labelOffset;
    labelOffsetReason = 'given in the preprocessing spec';
  } else if (classes === labels + 1) {
    labelOffset = 1;
    labelOffsetReason = `${classes} classes for ${labels} labels: class 0 is a background class, class = label + 1`;
  } else {
    labelOffset = 0;
    labelOffsetReason = `${classes} classes for ${labels} labels`;
  }
  if (classes !== labels + labelOffset)
    throw new AgentError(
      'output-mismatch',
      `Output "${output.name}" has shape ${shape}: ${classes} classes on axis ${output.classAxis}, but ${dataset}${labelOffset ? ` + label offset ${labelOffset} = ${labels + labelOffset}` : ''}. The model and the dataset do not match${facts.length > 1 ? `; pick another output with --output NAME (outputs: ${facts.map((f) => `${f.name} [${f.shape.join(',')}]`).join('; ')})` : ''}.`,
    );
  return {
    output: output.name,
    outputShape: output.shape.map(Number),
    classAxis: output.classAxis,
    classes,
    outputChoice: why,
    labelOffset,
    labelOffsetReason,
  };
}

/**
 * Rank of `label` among the scores of one sample (0 = highest), as a stable descending sort ranks it: a class with
 * an equal score ranks ahead when its index is lower. Quantized models have few distinct logits, so ties are
 * common (15 of the 1000 sample images for mobilenetv2-12-int8 tie at the top); counting them in the label's
 * favour would overstate top-1 (83.2 % instead of the reference 82.3 %). A label outside the classes is an error
 * (it used to rank as `classes`, which counted as top-5 whenever fewer than 5 classes were seen).
 */
export function rankOf(data: ArrayLike<number>, offset: number, classes: number, label: number, half = false): number {
  if (!Number.isInteger(label) || label < 0 || label >= classes)
    throw new AgentError(
      'output-mismatch',
      `Label ${label} is outside the model's ${classes} classes (0…${classes - 1}); the model and the dataset do not match.`,
    );
  const value = (i: number) => (half ? fromHalfBits(data[offset + i]) : data[offset + i]);
  const target = value(label);
  let rank = 0;
  for (let i = 0; i < classes; i++) {
    const v = value(i);
    if (v > target || (v === target && i < label)) rank++;
  }
  return rank;
}

/** The k highest classes of one sample, by score then lower index first (the order rankOf counts). */
export function topK(data: ArrayLike<number>, offset: number, classes: number, k: number, half = false): number[] {
  const value = (i: number) => (half ? fromHalfBits(data[offset + i]) : data[offset + i]);
  const best: number[] = [];
  for (let i = 0; i < classes; i++) {
    const v = value(i);
    if (best.length === k && v <= value(best[k - 1])) continue;
    let at = best.length;
    while (at > 0 && v > value(best[at - 1])) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export function isConstant(data: ArrayLike<number>, offset: number, classes: number): boolean {
  const v = data[offset];
  for (let i = 1; i < classes; i++) if (data[offset + i] !== v) return false;
  return true;
}
