import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretBox, SecretUnreadableError } from './secret-box.repository';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'fleetbench-secrets-'));

describe('SecretBox', () => {
  it('seals to an opaque, randomised string and opens it again', () => {
    const box = new SecretBox({ dataDir: tmp(), secretsKey: 'k'.repeat(32) });
    const a = box.seal('hmac-key-123');
    const b = box.seal('hmac-key-123');
    expect(a).toMatch(/^v1:/);
    expect(a).not.toContain('hmac-key-123');
    expect(a).not.toBe(b); // a fresh nonce each time
    expect(box.open(a)).toBe('hmac-key-123');
  });

  it('is opened by another replica given the same FLEETBENCH_SECRETS_KEY, not by one with another key', () => {
    const sealed = new SecretBox({ dataDir: tmp(), secretsKey: 'k'.repeat(32) }).seal('s');
    expect(new SecretBox({ dataDir: tmp(), secretsKey: 'k'.repeat(32) }).open(sealed)).toBe('s');
    expect(() => new SecretBox({ dataDir: tmp(), secretsKey: 'x'.repeat(32) }).open(sealed)).toThrow(
      SecretUnreadableError,
    );
  });

  it('without a configured key keeps one random key in <dataDir>/secrets.key, readable by the owner only', () => {
    const dir = tmp();
    const sealed = new SecretBox({ dataDir: dir, secretsKey: null }).seal('s');
    const keyFile = path.join(dir, 'secrets.key');
    expect(Buffer.from(readFileSync(keyFile, 'utf8'), 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(new SecretBox({ dataDir: dir, secretsKey: null }).open(sealed)).toBe('s'); // after a restart
    expect(() => new SecretBox({ dataDir: tmp(), secretsKey: null }).open(sealed)).toThrow(/cannot be decrypted/);
  });

  it('rejects tampered or foreign values with a clear error', () => {
    const box = new SecretBox({ dataDir: tmp(), secretsKey: 'k'.repeat(32) });
    const sealed = box.seal('s');
    const flipped = `v1:${Buffer.from(Buffer.from(sealed.slice(3), 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64')}`;
    expect(() => box.open(flipped)).toThrow(SecretUnreadableError);
    expect(() => box.open('plain-secret')).toThrow(/unknown format/);
  });
});
