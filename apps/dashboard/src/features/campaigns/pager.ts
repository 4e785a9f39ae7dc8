// The campaign page's job pager (pure): which rows a page shows and what its links say.
import { JobStateSchema, type JobState } from '@fleetbench/protocol';

/** Jobs per page of the campaign page. */
export const JOBS_PER_PAGE = 100;

export interface JobPager {
  /** 1-based page number, clamped to the pages there are. */
  page: number;
  pages: number;
  /** Rows of the hub's order to skip (GET /jobs?offset=). */
  offset: number;
  /** 1-based numbers of the first and last row shown (0 and 0 when there are none). */
  first: number;
  last: number;
  total: number;
  /** The neighbouring pages, or null at either end. */
  previous: number | null;
  next: number | null;
}

/** `?page=` as a page number: a positive integer, anything else is page 1. */
export function parsePage(v: string | undefined): number {
  if (v === undefined || !/^\d{1,7}$/.test(v)) return 1;
  return Math.max(1, Number(v));
}

/** `?state=` as a job state, or undefined (all states) for anything else. */
export function parseJobState(v: string | undefined): JobState | undefined {
  const r = JobStateSchema.safeParse(v);
  return r.success ? r.data : undefined;
}

/** How many of the campaign's jobs the filter matches, from its per-state counts. */
export function jobsMatching(counts: Partial<Record<JobState, number>>, state: JobState | undefined): number {
  if (state !== undefined) return counts[state] ?? 0;
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}

/** The page `requested` of `total` rows, `size` a page: past the end it is the last page. */
export function jobPager(total: number, requested: number, size = JOBS_PER_PAGE): JobPager {
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.floor(requested)), pages);
  const offset = (page - 1) * size;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + size);
  return {
    page,
    pages,
    offset,
    first,
    last,
    total,
    previous: page > 1 ? page - 1 : null,
    next: page < pages ? page + 1 : null,
  };
}

/** Share of the campaign's jobs that are finished (succeeded, failed or cancelled), 0..1, from its counts. */
export function finishedShare(counts: Partial<Record<JobState, number>>): number {
  const total = jobsMatching(counts, undefined);
  if (!total) return 0;
  return ((counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0)) / total;
}
