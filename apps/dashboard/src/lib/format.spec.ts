import {
  formatAge,
  formatBytes,
  formatMs,
  formatPercent,
  formatPerWatt,
  formatThroughput,
  formatTimestamp,
  shortId,
} from './format';

describe('formatMs', () => {
  it.each([
    [0, '0'],
    [0.42345, '0.423'],
    [4.5321, '4.53'],
    [45.32, '45.3'],
    [453.2, '453'],
    [12345.6, '12,346'],
    [null, '—'],
    [Number.NaN, '—'],
  ])('%p → %p', (ms, out) => expect(formatMs(ms)).toBe(out));
});

describe('formatThroughput', () => {
  it.each([
    [1234.5, '1,235'],
    [45.61, '45.6'],
    [3.2149, '3.21'],
    [undefined, '—'],
  ])('%p → %p', (v, out) => expect(formatThroughput(v)).toBe(out));
});

describe('formatPercent', () => {
  it('renders a fraction with one decimal', () => {
    expect(formatPercent(0.7123)).toBe('71.2%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0.5, 0)).toBe('50%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(24 * 2 ** 30)).toBe('24 GiB');
    expect(formatBytes(-1)).toBe('—');
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it.each([
    [null, 'never'],
    ['2026-11-28T11:59:58Z', 'just now'],
    ['2026-11-28T12:00:30Z', 'just now'],
    ['2026-11-28T11:59:18Z', '42 s ago'],
    ['2026-11-28T11:55:00Z', '5 min ago'],
    ['2026-11-28T09:00:00Z', '3 h ago'],
    ['2026-11-25T12:00:00Z', '3 d ago'],
    ['garbage', '—'],
  ])('%p → %p', (iso, out) => expect(formatAge(iso, now)).toBe(out));
});

describe('formatTimestamp / shortId', () => {
  it('formats UTC timestamps', () => {
    expect(formatTimestamp('2026-11-28T03:24:00.123Z')).toBe('2026-11-28 03:24:00 UTC');
    expect(formatTimestamp(null)).toBe('—');
  });
  it('shortens long ids only', () => {
    expect(shortId('01JDZ8Q3R4S5T6V7W8X9Y0Z1AB')).toBe('…X9Y0Z1AB');
    expect(shortId('job-1')).toBe('job-1');
  });
});

describe('formatPerWatt', () => {
  it.each([
    [12.345, '12.3'],
    [1.2345, '1.23'],
    [0.012345, '0.0123'],
    [1234.5, '1,230'],
    [null, '—'],
  ])('%p → %p', (v, want) => expect(formatPerWatt(v)).toBe(want));
});
