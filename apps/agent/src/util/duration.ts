const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration as people type it: "10m", "90s", "1.5h", "500ms", or plain seconds ("30"). null when it is none of
 * those (the caller words the error for its option).
 */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[(m[2] as keyof typeof UNIT_MS | undefined) ?? 's'];
  return Number.isFinite(ms) ? Math.round(ms) : null;
}
