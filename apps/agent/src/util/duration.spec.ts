import { parseDurationMs } from './duration';

it.each([
  ['10m', 600_000],
  ['90s', 90_000],
  ['1.5h', 5_400_000],
  ['500ms', 500],
  ['30', 30_000],
  [' 2 m ', 120_000],
])('reads %s as %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

it.each(['', 'ten minutes', '-5s', '5d', '1e3s', 'm'])('refuses %j', (text) =>
  expect(parseDurationMs(text)).toBeNull(),
);
