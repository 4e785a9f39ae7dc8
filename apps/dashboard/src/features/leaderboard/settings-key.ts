// Settings keys look like `latency/bs1/t0x0/cpu` (protocol `settingsKey()`): mode / batch / intra x inter threads / EP.

const KEY_RE = /^([a-z]+)\/bs(\d+)\/t(\d+)x(\d+)\/(.+)$/;
const MODE_ORDER = ['latency', 'throughput', 'accuracy'];

export interface ParsedSettingsKey {
  mode: string;
  batchSize: number;
  intraOpThreads: number;
  interOpThreads: number;
  executionProvider: string;
}

export function parseSettingsKey(key: string): ParsedSettingsKey | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  return {
    mode: m[1]!,
    batchSize: Number(m[2]),
    intraOpThreads: Number(m[3]),
    interOpThreads: Number(m[4]),
    executionProvider: m[5]!,
  };
}

/** "Latency · batch 1 · default threads · cpu"; unknown formats come back unchanged. */
export function describeSettingsKey(key: string): string {
  const p = parseSettingsKey(key);
  if (!p) return key;
  const mode = p.mode.charAt(0).toUpperCase() + p.mode.slice(1);
  let threads: string;
  if (p.intraOpThreads === 0 && p.interOpThreads === 0) threads = 'default threads';
  else {
    threads =
      p.intraOpThreads === 0 ? 'default threads' : `${p.intraOpThreads} thread${p.intraOpThreads === 1 ? '' : 's'}`;
    if (p.interOpThreads > 0) threads += ` (${p.interOpThreads} inter-op)`;
  }
  return `${mode} · batch ${p.batchSize} · ${threads} · ${p.executionProvider}`;
}

/** Latency before throughput before accuracy, then batch, threads and provider; unparsable keys last, by text. */
export function compareSettingsKeys(a: string, b: string): number {
  const pa = parseSettingsKey(a);
  const pb = parseSettingsKey(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b);
  const ma = MODE_ORDER.indexOf(pa.mode);
  const mb = MODE_ORDER.indexOf(pb.mode);
  return (
    (ma === -1 ? 99 : ma) - (mb === -1 ? 99 : mb) ||
    pa.batchSize - pb.batchSize ||
    pa.intraOpThreads - pb.intraOpThreads ||
    pa.interOpThreads - pb.interOpThreads ||
    pa.executionProvider.localeCompare(pb.executionProvider)
  );
}
