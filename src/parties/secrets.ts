import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * `clientSecretHash` format: `scrypt$N$r$p$<salt base64>$<hash base64>`.
 * Produced by `npm run hash-secret`, so that a parties file need not hold secrets in clear.
 */
export async function hashSecret(secret: string, N = 16384, r = 8, p = 1): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, 32, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export const SECRET_HASH_PATTERN = '^scrypt\\$\\d+\\$\\d+\\$\\d+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$';

/** Node's scrypt refuses parameters needing more memory than this (its default `maxmem`; OpenSSL counts 128·r·(N + 2 + p) bytes). */
const SCRYPT_MAX_MEMORY = 32 * 1024 * 1024;

/** Why a stored hash could never verify (so that a bad parties file stops the boot), or undefined. */
export function secretHashProblem(stored: string): string | undefined {
  const [, n, r, p, , hash] = stored.split('$');
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (N < 2 || !Number.isInteger(Math.log2(N))) return `scrypt N must be a power of two, got ${n}`;
  if (R < 1 || P < 1) return 'scrypt r and p must be at least 1';
  if (128 * R * (N + 2 + P) > SCRYPT_MAX_MEMORY) return `scrypt N, r and p need more than ${SCRYPT_MAX_MEMORY / 1024 / 1024} MiB of memory`;
  if (Buffer.from(hash ?? '', 'base64').length < 16) return 'the hash part must be at least 16 bytes';
  return undefined;
}

export async function verifySecretHash(secret: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash!, 'base64');
  const actual = await scrypt(secret, Buffer.from(salt!, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
