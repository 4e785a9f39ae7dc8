// Number/time formatting for tables. Fixed locale (en-US) so server and browser render the same text (no hydration
// mismatches) whatever the machine's locale is.

const EM_DASH = '—';

// Built once per digit count: constructing an Intl.NumberFormat costs far more than formatting with one, and a page
// formats a number for every cell of its tables.
const formats = new Map<string, Intl.NumberFormat>();
function nf(maximumFractionDigits: number, minimumFractionDigits = maximumFractionDigits): Intl.NumberFormat {
  const key = `${maximumFractionDigits}/${minimumFractionDigits}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { maximumFractionDigits, minimumFractionDigits });
    formats.set(key, f);
  }
  return f;
}
const SIGNIFICANT3 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });
const NF0 = nf(0);
const NF1 = nf(1);
const NF2 = nf(2);
const NF3 = nf(3);

function finite(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Milliseconds with about three significant digits: 0.423, 4.53, 45.3, 453, 12,345. */
export function formatMs(ms: number | null | undefined): string {
  if (!finite(ms)) return EM_DASH;
  const a = Math.abs(ms);
  if (a === 0) return '0';
  if (a < 1) return NF3.format(ms);
  if (a < 10) return NF2.format(ms);
  if (a < 100) return NF1.format(ms);
  return NF0.format(ms);
}

/** Images per second: 1,234 / 45.6 / 3.21. */
export function formatThroughput(ips: number | null | undefined): string {
  if (!finite(ips)) return EM_DASH;
  const a = Math.abs(ips);
  if (a >= 100) return NF0.format(ips);
  if (a >= 10) return NF1.format(ips);
  return NF2.format(ips);
}

/** Images per second per watt, three significant figures: 12.3 / 1.23 / 0.0123. */
export function formatPerWatt(ipsPerWatt: number | null | undefined): string {
  if (!finite(ipsPerWatt)) return EM_DASH;
  return SIGNIFICANT3.format(Number(ipsPerWatt.toPrecision(3)));
}

/** A 0..1 fraction as a percentage with one decimal: 0.7123 → "71.2%". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (!finite(fraction)) return EM_DASH;
  return `${nf(digits).format(fraction * 100)}%`;
}

/** Binary units: 24 GiB, 512 MiB, 1.5 KiB. */
export function formatBytes(bytes: number | null | undefined): string {
  if (!finite(bytes) || bytes < 0) return EM_DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 10 ? 0 : 1;
  return `${nf(digits).format(v)} ${units[i]}`;
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "never" for null; future times count as now. */
export function formatAge(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return EM_DASH;
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** An absolute UTC timestamp for tooltips: 2026-11-28 03:24:00 UTC. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return EM_DASH;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return EM_DASH;
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** Short id for display (ULIDs, cuids): the last 8 characters. */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-8)}` : id;
}
