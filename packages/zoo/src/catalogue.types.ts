/** Keys of `publishedLatencies`: the ids of the published reference hardware classes (reference-hardware.ts). */
export type ReferenceHardwareId =
  | 'paddleclas-sd855-lite-fp32-t1'
  | 'paddleclas-v100-trt-fp32'
  | 'paddleclas-t4-trt-fp32-bs1'
  | 'paddleclas-t4-trt-fp32-bs4'
  | 'paddleclas-t4-trt-fp32-bs8'
  | 'paddleclas-t4-trt-fp16-bs1'
  | 'paddleclas-t4-trt-fp16-bs4'
  | 'paddleclas-t4-trt-fp16-bs8'
  | 'paddleclas23-v100-trt-fp32-bs1'
  | 'paddleclas23-v100-trt-fp32-bs4'
  | 'paddleclas23-v100-trt-fp32-bs8'
  | 'paddleclas23-sd855-lite-t1'
  | 'paddleclas23-sd855-lite-t2'
  | 'paddleclas23-sd855-lite-t4'
  | 'paddleclas23-xeon6148-bs1';

export interface CatalogueEntry {
  name: string;
  family: string;
  /** Part of the original "23 structures / 117 pretrained models" list (PaddleClas commit 8713b9a2e). */
  in117: boolean;
  /** Listed in paddleclas_models.csv (the 209-row table); false for the 15 models only in the 2.3 overview. */
  inBaseCsv: boolean;
  /** Crop size (null where PaddleClas published none). */
  inputSize: number | null;
  resizeShort: number | null;
  /** PaddleClas's own top-1/top-5 (2.0-era docs), fractions. */
  reference: { top1: number | null; top5: number | null; source: string };
  /** The paper / original implementation's figures as PaddleClas quotes them. */
  paperReference: { top1: number | null; top5: number | null };
  v23Reference: { top1: number | null; top5: number | null; source: string | null };
  /** Millions of parameters: 2.0-era docs and the 2.3 overview. */
  params: { v20M: number | null; v23M: number | null };
  /** GFLOPs: 2.0-era docs (FLOPs = 2 × multiply-adds) and paddle.flops in 2.3 (multiply-adds counted once). */
  flops: { v20G: number | null; v23G: number | null };
  /** Published latencies in ms per batch, keyed by reference hardware class; null where not published. */
  publishedLatencies: Record<ReferenceHardwareId, number | null>;
  sd855StorageMb: number | null;
  pretrainedUrl: string | null;
  provenance: {
    csv: string;
    sourcePath: string | null;
    v23SourcePath: string | null;
    /** The family cell as published (2.3 overview section headings for PP-LCNet/ESNet). */
    csvFamily: string | null;
    docGroup: string | null;
    inputSizeSource: string | null;
    notes: string | null;
  };
}
