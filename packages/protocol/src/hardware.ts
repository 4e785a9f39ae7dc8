import { z } from 'zod';
import { IsoTimestampSchema, VersionSchema } from './version';

export const AcceleratorSchema = z.object({
  kind: z.string(),
  model: z.string(),
  memoryBytes: z.number().nonnegative().optional(),
});

export const SoftwareFingerprintSchema = z.object({
  agentVersion: z.string(),
  nodeVersion: z.string(),
  onnxruntimeVersion: z.string(),
  executionProviders: z.array(z.string()),
});
export type SoftwareFingerprint = z.infer<typeof SoftwareFingerprintSchema>;

export const HardwareSchema = z.object({
  cpu: z.object({
    vendor: z.string(),
    model: z.string(),
    arch: z.string(),
    physicalCores: z.number().int().nonnegative(),
    logicalCores: z.number().int().positive(),
    maxFrequencyMHz: z.number().nonnegative().nullable().default(null),
  }),
  memoryBytes: z.number().int().positive(),
  accelerators: z.array(AcceleratorSchema).default([]),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), kernel: z.string() }),
  hostname: z.string().optional(),
  /** Optional: GFLOP/s of a float32 GEMM through onnxruntime measured at enrollment (the device's practical peak). */
  peakGflops: z.number().positive().optional(),
});
export type Hardware = z.infer<typeof HardwareSchema>;

/** Retained `hardware` message: the hardware plus the software that measures on it. */
export const HardwareMessageSchema = z.object({
  v: VersionSchema,
  ts: IsoTimestampSchema,
  hardware: HardwareSchema,
  software: SoftwareFingerprintSchema,
});
export type HardwareMessage = z.infer<typeof HardwareMessageSchema>;

/**
 * Hardware class identity: CPU model, architecture, core count, memory (rounded to GiB so a few MiB reserved by
 * firmware do not split a class), accelerators and OS family. Devices with equal fingerprints are aggregated.
 */
export function hardwareClassKey(hw: Hardware): string {
  const memGiB = Math.round(hw.memoryBytes / 2 ** 30);
  const accel =
    hw.accelerators
      .map((a) => `${a.kind}:${a.model}`)
      .sort()
      .join('+') || 'none';
  return [hw.cpu.model.trim(), hw.cpu.arch, `${hw.cpu.logicalCores}c`, `${memGiB}GiB`, accel, hw.os.platform].join(
    ' | ',
  );
}

/** A short human name for a hardware class, e.g. "Intel Xeon Platinum 8375C · 2 cores · 24 GiB". */
export function hardwareClassName(hw: Hardware): string {
  const memGiB = Math.round(hw.memoryBytes / 2 ** 30);
  const accel = hw.accelerators.length ? ` · ${hw.accelerators.map((a) => a.model).join(', ')}` : '';
  return `${hw.cpu.model.trim()} · ${hw.cpu.arch} · ${hw.cpu.logicalCores} cores · ${memGiB} GiB${accel}`;
}
