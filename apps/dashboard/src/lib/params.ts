export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A single query parameter (the first when repeated). */
export function one(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** All values of a parameter, also splitting comma lists: ?c=a&c=b or ?c=a,b. */
export function many(v: string | string[] | undefined): string[] {
  const list = typeof v === 'string' ? [v] : (v ?? []);
  return list
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

export function pathWith(path: string, q: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
  return `${path}${qs.size ? `?${qs.toString()}` : ''}`;
}
