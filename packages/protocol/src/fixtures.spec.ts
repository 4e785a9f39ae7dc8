import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { AGENT_CHANNELS, type AgentChannel } from './topics';
import { decodePayload, formatZodError } from './decode';
import * as rest from './rest';

/**
 * Golden fixtures: `__fixtures__/{valid,invalid}/<channel>.<case>.json` for MQTT payloads and
 * `rest.<Name>.<case>.json` for REST bodies (validated by `<Name>Schema`). Invalid files may hold any bytes.
 */
const DIR = path.join(__dirname, '__fixtures__');
const REST_SCHEMAS: Record<string, z.ZodType> = {
  EnrollRequest: rest.EnrollRequestSchema,
  EnrollResponse: rest.EnrollResponseSchema,
  CreateEnrollmentTokenRequest: rest.CreateEnrollmentTokenRequestSchema,
  EnrollmentTokenResponse: rest.EnrollmentTokenResponseSchema,
  RegisterModelRequest: rest.RegisterModelRequestSchema,
  CreateCampaignRequest: rest.CreateCampaignRequestSchema,
  ErrorBody: rest.ErrorBodySchema,
};

type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

function decodeFixture(file: string): Decoded {
  const name = path.basename(file, '.json');
  const text = readFileSync(file, 'utf8');
  const [prefix, second] = name.split('.');
  if ((AGENT_CHANNELS as readonly string[]).includes(prefix)) return decodePayload(prefix as AgentChannel, text);
  if (prefix === 'rest') {
    const schema = REST_SCHEMAS[second];
    if (!schema) throw new Error(`no REST schema named ${second} for fixture ${name}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, error: `${second}: body is not valid JSON` };
    }
    const parsed = schema.safeParse(json);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, error: `${second}: ${formatZodError(parsed.error)}` };
  }
  throw new Error(`fixture ${name} does not start with a channel or "rest."`);
}

const list = (kind: 'valid' | 'invalid') =>
  readdirSync(path.join(DIR, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, path.join(DIR, kind, f)] as const);

describe('golden fixtures', () => {
  it('cover every channel and every REST body, valid and invalid', () => {
    for (const kind of ['valid', 'invalid'] as const) {
      const prefixes = new Set(list(kind).map(([f]) => f.split('.')[0]));
      for (const channel of AGENT_CHANNELS) expect(prefixes).toContain(channel);
    }
    const restValid = new Set(
      list('valid')
        .filter(([f]) => f.startsWith('rest.'))
        .map(([f]) => f.split('.')[1]),
    );
    expect([...restValid].sort()).toEqual(Object.keys(REST_SCHEMAS).sort());
  });

  describe.each(list('valid'))('valid/%s', (_name, file) => {
    it('parses', () => {
      const decoded = decodeFixture(file);
      if (!decoded.ok) throw new Error(decoded.error);
      expect(decoded.ok).toBe(true);
    });
  });

  describe.each(list('invalid'))('invalid/%s', (_name, file) => {
    it('is rejected with a readable error', () => {
      const decoded = decodeFixture(file);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) return;
      // "<channel>: <path>: <problem>" — one line, names the place, no stack trace or raw zod dump.
      expect(decoded.error).toMatch(/^[A-Za-z]+: .+/);
      expect(decoded.error).not.toMatch(/\n|ZodError|\[object Object\]/);
    });
  });

  it('names the offending field and the unsupported major', () => {
    const err = (f: string) => (decodeFixture(path.join(DIR, 'invalid', f)) as { error: string }).error;
    expect(err('status.missing-online.json')).toContain('online');
    expect(err('status.unknown-major.json')).toMatch(/^status: v: unsupported schema major/);
    expect(err('results.wrong-percentile-type.json')).toContain('metrics.latencyMs.p50');
    expect(err('status.bad-json.json')).toBe('status: payload is not valid JSON');
  });

  it('ignores unknown keys (they are stripped, not rejected)', () => {
    const decoded = decodeFixture(path.join(DIR, 'valid', 'results.unknown-keys-ignored.json'));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const v = decoded.value as Record<string, unknown> & { metrics: Record<string, unknown> };
    expect(v).not.toHaveProperty('futureField');
    expect(v.metrics).not.toHaveProperty('energyJ');
  });

  it('fills defaults so older agents stay compatible', () => {
    const t = decodeFixture(path.join(DIR, 'valid', 'telemetry.nulls-defaulted.json'));
    expect(t.ok && t.value).toMatchObject({ cpuPercent: null, temperatureC: null, cpuFrequencyMHz: null });
    const a = decodeFixture(path.join(DIR, 'valid', 'jobs.assign-minimal-settings.json'));
    expect(a.ok && (a.value as { settings: unknown }).settings).toMatchObject({
      mode: 'latency',
      batchSize: 1,
      executionProvider: 'cpu',
    });
  });
});
