import { z } from 'zod';

/** How an image becomes a model input (used by the agent's accuracy runs and stored with models on the hub). */
export const PreprocessingSpecSchema = z.object({
  resizeShorter: z.number().int().positive().default(256),
  crop: z.number().int().positive().default(224),
  channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
  scale: z
    .number()
    .positive()
    .default(1 / 255),
  mean: z.tuple([z.number(), z.number(), z.number()]).default([0.485, 0.456, 0.406]),
  std: z.tuple([z.number(), z.number(), z.number()]).default([0.229, 0.224, 0.225]),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  inputDtype: z.enum(['float32', 'float16', 'uint8']).default('float32'),
  output: z.enum(['logits', 'probabilities']).default('logits'),
  /** Optional (added for the agent's accuracy runs). 1 = grayscale input (e.g. MNIST); absent = 3. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  /** Resize kernel; absent = 'linear' (bilinear, what the reference accuracies were measured with). */
  resizeKernel: z.enum(['nearest', 'linear', 'cubic', 'lanczos3']).optional(),
  /**
   * Optional (added for the agent). How the longer side's length is rounded after scaling the shorter side to
   * resizeShorter: 'round' (absent; PaddleClas `int(round(w · s))`, sharp's own rounding, and what the reference
   * accuracies of shared/data were measured with) or 'floor' (torchvision `int(size · long / short)`).
   */
  resizeRounding: z.enum(['round', 'floor']).optional(),
  /** Model output index = dataset label + labelOffset (1 for 1001-class models with a background class). */
  labelOffset: z.number().int().optional(),
});
export type PreprocessingSpec = z.infer<typeof PreprocessingSpecSchema>;
