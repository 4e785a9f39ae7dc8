import { GraphBuilder, serialise } from '@fleetbench/zoo';

/** Output conventions of real classifiers, built small with the zoo's graph builder (deterministic weights). */
export type OutputConvention =
  /** [N, C] logits (torchvision, ONNX Model Zoo). */
  | 'nc'
  /** [N, C, 1, 1] (Caffe-converted models such as SqueezeNet: a conv head and global pooling, no flatten). */
  | 'nc11'
  /** [N, 1, C] */
  | 'n1c'
  /** Three outputs: pooled features [N, 8], probabilities [N, C], logits [N, C] (in that order). */
  | 'three'
  /** [N, C + 1] with a background class at index 0, scored below all others (TF-slim 1001 classes). */
  | 'background'
  /** [N, C] of zeros for every image (a dead head). */
  | 'constant';

export interface ConventionModelOptions {
  output: OutputConvention;
  dtype?: 'float32' | 'float16';
  layout?: 'NCHW' | 'NHWC';
  classes?: number;
  size?: number;
}

/**
 * conv(3→8, stride 2) → BN → ReLU → global pool → fc(classes), then the output convention. The weights are seeded by
 * name, and the names do not depend on the convention, so every variant computes the same logits as `nc` (float16
 * rounded in float16 builds): an agent that reads each convention right gives the same per-image top-5 for all.
 */
export function conventionModel(o: ConventionModelOptions): Uint8Array {
  const classes = o.classes ?? 1000;
  const g = new GraphBuilder(o.size ?? 32, 'image', 3, o.layout ?? 'NCHW');
  const pooled = g.globalAvgPool(g.convBn(g.image, 8, 3, 'relu', { stride: 2 }));
  const logits = g.fc(pooled, classes);
  switch (o.output) {
    case 'nc':
      g.finish(logits);
      break;
    case 'nc11':
      g.finish(g.reshape(logits, [classes, 1, 1]), 'prob');
      break;
    case 'n1c':
      g.finish(g.reshape(logits, [1, classes]));
      break;
    case 'three':
      g.finish(g.flatten(pooled), 'features');
      g.addOutput(g.softmax(logits), 'probabilities');
      g.addOutput(logits, 'logits');
      break;
    case 'background':
      g.finish(g.prependBackground(logits));
      break;
    case 'constant':
      g.finish(g.scale(logits, 0));
      break;
  }
  return serialise(g, { modelName: `convention-${o.output}`, seed: 7, dtype: o.dtype ?? 'float32' }).bytes;
}
