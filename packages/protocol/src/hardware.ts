import { z } from 'zod';
import { IsoTimestampSchema, LIMITS, VersionSchema } from './version';

const Text = z.string().max(LIMITS.text);
const Short = z.string().max(LIMITS.short);

export const AcceleratorSchema = z.object({
  kind: Short,
  model: Text,
  memoryBytes: z
    .number()
    .nonnegative()
    .max(2 ** 50)
    .optional(),
});

export const SoftwareFingerprintSchema = z.object({
  agentVersion: Short,
  nodeVersion: Short,
  onnxruntimeVersion: Short,
  executionProviders: z.array(Short).max(32),
});
export type SoftwareFingerprint = z.infer<typeof SoftwareFingerprintSchema>;

export const HardwareSchema = z.object({
  cpu: z.object({
    vendor: Text,
    model: Text,
    arch: Short,
    physicalCores: z.number().int().nonnegative().max(65_536),
    logicalCores: z.number().int().positive().max(65_536),
    maxFrequencyMHz: z.number().nonnegative().max(1e6).nullable().default(null),
  }),
  memoryBytes: z
    .number()
    .int()
    .positive()
    .max(2 ** 53),
  accelerators: z.array(AcceleratorSchema).max(16).default([]),
  os: z.object({ platform: Short, distro: Text, release: Text, kernel: Text }),
  hostname: Text.optional(),
  /** Optional: GFLOP/s of a float32 GEMM through onnxruntime measured at enrollment (the device's practical peak). */
  peakGflops: z.number().positive().max(1e9).optional(),
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
