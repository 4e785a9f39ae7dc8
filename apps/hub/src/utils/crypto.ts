import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** URL-safe random secret with `bytes` of entropy. */
export const randomSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');

const N = 16384;
const R = 8;
const P = 1;

/** `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Shortest secret {@link hashSecret} accepts: 32 base64url characters = 192 random bits (what randomSecret makes). */
export const SECRET_MIN_CHARS = 32;

/**
 * `sha256$salt$hash` (base64url parts) of a secret the hub generated itself (agent passwords: 192 random bits). A slow
 * hash only protects guessable passwords; against a random 192-bit secret one salted SHA-256 leaves the same 2^191
 * work to an attacker who has the database, and the broker checks it in microseconds instead of an scrypt per
 * connect (docs/decisions/0009-agent-credentials-fast-hash.md). API tokens are stored the same way (sha256).
 */
export function hashSecret(secret: string): string {
  if (secret.length < SECRET_MIN_CHARS)
    throw new Error(`hashSecret is for generated secrets of at least ${SECRET_MIN_CHARS} characters`);
  const salt = randomBytes(16);
  return ['sha256', salt.toString('base64url'), saltedSha256(salt, secret).toString('base64url')].join('$');
}

const saltedSha256 = (salt: Buffer, secret: string) => createHash('sha256').update(salt).update(secret).digest();

/** Whether `stored` is an scrypt hash (agents enrolled before hashSecret), to be replaced after a successful check. */
export const isScryptHash = (stored: string): boolean => stored.startsWith('scrypt$');

/** Checks a password against {@link hashSecret}'s or {@link hashPassword}'s format. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length === 3 && parts[0] === 'sha256') {
    const expected = Buffer.from(parts[2], 'base64url');
    const actual = saltedSha256(Buffer.from(parts[1], 'base64url'), password);
    return expected.length === actual.length && timingSafeEqual(actual, expected);
  }
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Constant-time comparison of two strings (e.g. the hub's own broker password). */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
