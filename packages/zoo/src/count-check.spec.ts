import { googLeNetAuxParams } from './architectures/inception';
import {
  catalogue,
  checkCounts,
  COUNT_EXCEPTIONS,
  describeArchitecture,
  hasArchitecture,
  listBuildableModels,
} from './index';

describe('built vs published counts (graph definitions only, no weights)', () => {
  const checks = listBuildableModels().map((name) => checkCounts(name));

  it('builds every architecture of the original 117-model list', () => {
    expect(catalogue.filter((e) => e.in117 && !hasArchitecture(e.name)).map((e) => e.name)).toEqual([]);
  });

  it.each(checks.map((c) => [c.name, c] as const))(
    '%s matches a published figure or is an explained exception',
    (_name, c) => {
      if (c.exception) {
        // A listed exception must really fail, so the list cannot go stale.
        expect(c.ok).toBe(false);
        expect(c.exception.length).toBeGreaterThan(40);
      } else {
        expect({
          name: c.name,
          paramsOk: c.paramsOk,
          flopsOk: c.flopsOk,
          params: c.params,
          flops: c.flops,
        }).toMatchObject({
          paramsOk: true,
          flopsOk: true,
        });
      }
    },
  );

  it('matches for at least 90% of the models', () => {
    const ok = checks.filter((c) => c.ok).length;
    expect(ok / checks.length).toBeGreaterThanOrEqual(0.9);
    const ok117 = checks.filter((c) => c.in117 && c.ok).length;
    expect(ok117 / 117).toBeGreaterThanOrEqual(0.9);
  });

  it('lists only models it can build', () => {
    for (const name of Object.keys(COUNT_EXCEPTIONS)) expect(hasArchitecture(name)).toBe(true);
  });

  it('explains GoogLeNet by its auxiliary heads', () => {
    const total = describeArchitecture('GoogLeNet').params + googLeNetAuxParams();
    expect(Math.abs(total / 1e6 / 11.54 - 1)).toBeLessThan(0.01);
  });
});
