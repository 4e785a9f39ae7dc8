import { finishedShare, jobPager, jobsMatching, parseJobState, parsePage } from './pager';

describe('jobPager', () => {
  it('numbers the rows of a middle page and links both neighbours', () => {
    expect(jobPager(7020, 2)).toEqual({
      page: 2,
      pages: 71,
      offset: 100,
      first: 101,
      last: 200,
      total: 7020,
      previous: 1,
      next: 3,
    });
  });

  it('ends the last page at the total and has no next page', () => {
    const p = jobPager(7020, 71);
    expect([p.first, p.last, p.previous, p.next, p.offset]).toEqual([7001, 7020, 70, null, 7000]);
  });

  it('clamps a page past the end to the last page and below 1 to the first', () => {
    expect(jobPager(250, 9).page).toBe(3);
    expect(jobPager(250, 0).page).toBe(1);
    expect(jobPager(200, 3)).toMatchObject({ page: 2, first: 101, last: 200, next: null });
  });

  it('has one empty page when nothing matches', () => {
    expect(jobPager(0, 4)).toEqual({
      page: 1,
      pages: 1,
      offset: 0,
      first: 0,
      last: 0,
      total: 0,
      previous: null,
      next: null,
    });
  });

  it('takes another page size', () => {
    expect(jobPager(5, 2, 2)).toMatchObject({ first: 3, last: 4, pages: 3, next: 3 });
  });
});

describe('query parameters', () => {
  it('reads ?page= as a positive integer, anything else as 1', () => {
    expect(parsePage('3')).toBe(3);
    for (const v of [undefined, '', '0', '-2', '1.5', 'x', '99999999999']) expect(parsePage(v)).toBe(1);
  });

  it('reads ?state= as a job state or none', () => {
    expect(parseJobState('failed')).toBe('failed');
    expect(parseJobState('sleeping')).toBeUndefined();
    expect(parseJobState(undefined)).toBeUndefined();
  });
});

describe('counts', () => {
  const counts = { queued: 10, assigned: 0, running: 2, succeeded: 5, failed: 2, cancelled: 1 };

  it('counts all jobs or those of one state', () => {
    expect(jobsMatching(counts, undefined)).toBe(20);
    expect(jobsMatching(counts, 'failed')).toBe(2);
    expect(jobsMatching({}, 'running')).toBe(0);
  });

  it('shares finished jobs of the total', () => {
    expect(finishedShare(counts)).toBeCloseTo(8 / 20);
    expect(finishedShare({})).toBe(0);
  });
});
