import { csvField, fileStem, toCsv, toJson } from './export';

describe('csv export', () => {
  const cols = [
    { key: 'name', value: (r: { name: string; ms: number | null }) => r.name },
    { key: 'p50_ms', value: (r: { name: string; ms: number | null }) => r.ms },
  ];

  it('writes a header and one line per row, CRLF-terminated', () => {
    expect(
      toCsv(
        [
          { name: 'a', ms: 1.5 },
          { name: 'b', ms: null },
        ],
        cols,
      ),
    ).toBe('name,p50_ms\r\na,1.5\r\nb,\r\n');
  });

  it('quotes commas, quotes and newlines, and defuses formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(NaN)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('json keeps keys and nulls', () => {
    expect(JSON.parse(toJson([{ name: 'a', ms: null }], cols))).toEqual([{ name: 'a', p50_ms: null }]);
  });

  it('file stems are safe', () => {
    expect(fileStem('Intel Xeon · 2 cores / latency')).toBe('Intel-Xeon-2-cores-latency');
  });
});
