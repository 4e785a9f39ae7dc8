import { decodePayload } from './decode';

const telemetry = (memoryFreeBytes: string) =>
  `{"v":1,"ts":"2026-01-02T03:04:05.678Z","load1":0.5,"memoryFreeBytes":1,"extra":"${memoryFreeBytes}"}`;

describe('decodePayload: NUL characters', () => {
  it('refuses a NUL in any string, raw or escaped, keys included', () => {
    for (const text of [
      telemetry('a\\u0000b'),
      telemetry('\\\\\\u0000'),
      telemetry('a\u0000b'),
      '{"v":1,"ts":"2026-01-02T03:04:05.678Z","load1":0.5,"memoryFreeBytes":1,"k\\u0000":1}',
    ])
      expect(decodePayload('telemetry', text)).toEqual({
        ok: false,
        error: 'telemetry: a string holds a NUL character',
      });
  });

  it('accepts the literal text \\u0000 (an escaped backslash before it)', () => {
    expect(decodePayload('telemetry', telemetry('\\\\u0000')).ok).toBe(true);
    expect(decodePayload('telemetry', telemetry('\\\\\\\\u0000')).ok).toBe(true);
  });
});
