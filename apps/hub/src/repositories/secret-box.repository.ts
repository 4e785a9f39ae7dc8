import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { HubConfig } from '../config';
import { HUB_CONFIG } from './tokens';

const VERSION = 'v1';
const IV_BYTES = 12; // GCM's standard nonce size
const TAG_BYTES = 16;

/** A stored secret that this hub cannot open: the key changed (another FLEETBENCH_SECRETS_KEY, a new data folder). */
export class SecretUnreadableError extends Error {
  constructor(reason: string) {
    super(
      `stored secret cannot be decrypted (${reason}); set it again, or give this hub the FLEETBENCH_SECRETS_KEY it was stored with`,
    );
  }
}

/**
 * Encrypts secrets the hub must later use itself (a webhook's HMAC key), so the database never holds them in plain
 * text: AES-256-GCM with a key from FLEETBENCH_SECRETS_KEY (give every replica the same one) or, without it, a
 * random key created once in `<dataDir>/secrets.key` (mode 0600).
 */
@Injectable()
export class SecretBox {
  private key: Buffer | null = null;

  constructor(@Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'dataDir' | 'secretsKey'>) {}

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const [version, payload] = sealed.split(':', 2);
    if (version !== VERSION || !payload) throw new SecretUnreadableError('unknown format');
    const raw = Buffer.from(payload, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError('truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('wrong key');
    }
  }

  private keyBytes(): Buffer {
    if (this.key) return this.key;
    if (this.config.secretsKey) {
      this.key = createHash('sha256').update(this.config.secretsKey).digest();
      return this.key;
    }
    const file = path.join(this.config.dataDir, 'secrets.key');
    try {
      this.key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(this.config.dataDir, { recursive: true });
      const fresh = randomBytes(32);
      // 'wx': of two hubs sharing a data folder, the second reads the first one's key instead of replacing it.
      try {
        writeFileSync(file, fresh.toString('base64'), { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
        this.key = fresh;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        this.key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      }
    }
    if (this.key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return this.key;
  }
}
