import { safeNextPath } from './session-cookie';

describe('safeNextPath', () => {
  it.each([
    ['/leaderboard?class=a', '/leaderboard?class=a'],
    ['/', '/'],
    ['', '/'],
    [undefined, '/'],
    [null, '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/login', '/'],
    ['/login?next=/x', '/'],
    ['/a\nb', '/'],
  ])('%p → %p', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});
