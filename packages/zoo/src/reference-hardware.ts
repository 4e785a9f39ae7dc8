/**
 * PaddleClas's published latencies as read-only reference hardware classes. They are shown beside measured
 * classes and never mixed into measured aggregates (DESIGN.md, "Published reference hardware").
 * How each table was measured: /shared/data/paddleclas/REPORT.md §2.
 */
import type { ReferenceHardwareId } from './catalogue.types';

export interface ReferenceHardware {
  id: ReferenceHardwareId;
  name: string;
  /** Always true: these numbers were published by PaddleClas, not measured by this fleet. */
  published: true;
  readOnly: true;
  /** The CSV column (paddleclas_models_extended.csv) the latencies come from. */
  csvColumn: string;
  device: string;
  engine: string;
  precision: 'fp32' | 'fp16';
  batch: number;
  threads: number | null;
  /** PaddleClas release whose table this is. */
  release: '2.0' | '2.3';
  method: string;
}

const V20 =
  'tools/infer/predict.py --enable_benchmark: 10 warm-up + 500 timed runs, mean ms per batch, random input, H2D/D2H copies included';
const SD855 =
  'Paddle-Lite benchmark_bin_v8 (opt naive_buffer, arm), warm-up 10, repeats 30, batch 1; most consistent with 1 thread';
const V23 = 'PaddleClas 2.3 re-benchmark: 100 warm-up + 2000 timed runs';

export const REFERENCE_HARDWARE: readonly ReferenceHardware[] = [
  {
    id: 'paddleclas-sd855-lite-fp32-t1',
    name: 'Snapdragon 855 — published by PaddleClas',
    published: true,
    readOnly: true,
    csvColumn: 'sd855_latency_ms',
    device: 'Qualcomm Snapdragon 855 (Android, armv8)',
    engine: 'Paddle-Lite',
    precision: 'fp32',
    batch: 1,
    threads: 1,
    release: '2.0',
    method: SD855,
  },
  {
    id: 'paddleclas-v100-trt-fp32',
    name: 'V100 TensorRT FP32 — published by PaddleClas',
    published: true,
    readOnly: true,
    csvColumn: 'v100_trt_fp32_bs1_ms',
    device: 'NVIDIA V100',
    engine: 'Paddle Inference + TensorRT',
    precision: 'fp32',
    batch: 1,
    threads: null,
    release: '2.0',
    method: V20,
  },
  ...([1, 4, 8] as const).flatMap((batch) =>
    (['fp32', 'fp16'] as const).map((precision): ReferenceHardware => ({
      id: `paddleclas-t4-trt-${precision}-bs${batch}` as ReferenceHardwareId,
      name: `T4 TensorRT ${precision.toUpperCase()} bs${batch} — published by PaddleClas`,
      published: true,
      readOnly: true,
      csvColumn: `t4_${precision}_bs${batch}_ms`,
      device: 'NVIDIA T4',
      engine: 'Paddle Inference + TensorRT',
      precision,
      batch,
      threads: null,
      release: '2.0',
      method: V20,
    })),
  ),
  ...([1, 4, 8] as const).map((batch): ReferenceHardware => ({
    id: `paddleclas23-v100-trt-fp32-bs${batch}` as ReferenceHardwareId,
    name: `V100 TensorRT FP32 bs${batch} — published by PaddleClas 2.3`,
    published: true,
    readOnly: true,
    csvColumn: `v23_v100_trt_fp32_bs${batch}_ms`,
    device: 'NVIDIA V100',
    engine: 'Paddle Inference + TensorRT',
    precision: 'fp32',
    batch,
    threads: null,
    release: '2.3',
    method: V23,
  })),
  ...([1, 2, 4] as const).map((threads): ReferenceHardware => ({
    id: `paddleclas23-sd855-lite-t${threads}` as ReferenceHardwareId,
    name: `Snapdragon 855 ${threads} thread${threads > 1 ? 's' : ''} — published by PaddleClas 2.3`,
    published: true,
    readOnly: true,
    csvColumn: `v23_sd855_thread${threads}_ms`,
    device: 'Qualcomm Snapdragon 855 (Android, armv8)',
    engine: 'Paddle-Lite',
    precision: 'fp32',
    batch: 1,
    threads,
    release: '2.3',
    method: 'PaddleClas 2.3 re-benchmark, batch 1',
  })),
  {
    id: 'paddleclas23-xeon6148-bs1',
    name: 'Intel Xeon Gold 6148 — published by PaddleClas 2.3',
    published: true,
    readOnly: true,
    csvColumn: 'v23_xeon6148_bs1_ms',
    device: 'Intel Xeon Gold 6148',
    engine: 'Paddle Inference (MKLDNN)',
    precision: 'fp32',
    batch: 1,
    threads: null,
    release: '2.3',
    method: 'PaddleClas 2.3 overview (PP-LCNet tables), batch 1',
  },
];
