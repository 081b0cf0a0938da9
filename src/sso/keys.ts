import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The OpenID provider's keys, kept in the database so that every hub node signs with the
 * same ones. ID tokens are signed RS256 (the OpenID default every relying party supports)
 * or ES256 (for clients that register it); each generation has one key of each.
 */
export type Jwk = Record<string, unknown> & { kid: string; alg: string };

export interface SsoKeys {
  /** Private keys for the provider: the newest generation first, so it signs with those; older ones still verify id_token_hint. */
  signing: Jwk[];
  /** Secrets that sign the provider's cookies, newest first. */
  cookieKeys: string[];
}

const KEY_LOCK = 7_301_003;

function newKeyPair(alg: 'RS256' | 'ES256', generation: number): { kid: string; private_jwk: Jwk; public_jwk: Jwk } {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `sso-${generation}-${alg.toLowerCase()}-${randomBytes(6).toString('base64url')}`;
  const common = { kid, alg, use: 'sig' };
  return {
    kid,
    private_jwk: { ...privateKey.export({ format: 'jwk' }), ...common },
    public_jwk: { ...publicKey.export({ format: 'jwk' }), ...common },
  };
}

async function insertGeneration(trx: Kysely<Database>, generation: number): Promise<void> {
  const rows = (['RS256', 'ES256'] as const).map((alg) => {
    const pair = newKeyPair(alg, generation);
    return { kid: pair.kid, alg, generation, private_jwk: JSON.stringify(pair.private_jwk), public_jwk: JSON.stringify(pair.public_jwk) };
  });
  await trx.insertInto('sso_signing_keys').values(rows).execute();
}

/** Loads the keys, making the first generation and the cookie secret on first boot (once across nodes). */
export async function loadOrCreateSsoKeys(db: Kysely<Database>): Promise<SsoKeys> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`.execute(trx);
    let keys = await trx.selectFrom('sso_signing_keys').select('private_jwk').orderBy('generation', 'desc').orderBy('alg', 'desc').execute();
    if (!keys.length) {
      await insertGeneration(trx, 1);
      keys = await trx.selectFrom('sso_signing_keys').select('private_jwk').orderBy('generation', 'desc').orderBy('alg', 'desc').execute();
    }
    let cookies = await trx.selectFrom('sso_cookie_keys').select('secret').orderBy('id', 'desc').execute();
    if (!cookies.length) {
      await trx.insertInto('sso_cookie_keys').values({ secret: randomBytes(32).toString('base64url') }).execute();
      cookies = await trx.selectFrom('sso_cookie_keys').select('secret').orderBy('id', 'desc').execute();
    }
    return { signing: keys.map((k) => k.private_jwk as Jwk), cookieKeys: cookies.map((c) => c.secret) };
  });
}

/**
 * Rotation: a new generation of keys signs from the next start of each hub node; the
 * previous generation stays published (tokens it signed remain verifiable), older ones go.
 */
export async function rotateSsoKeys(db: Kysely<Database>): Promise<{ generation: number; retired: string[] }> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${KEY_LOCK})`.execute(trx);
    const newest = await trx.selectFrom('sso_signing_keys').select((eb) => eb.fn.max('generation').as('generation')).executeTakeFirst();
    const generation = (newest?.generation ?? 0) + 1;
    await insertGeneration(trx, generation);
    const retired = await trx.deleteFrom('sso_signing_keys').where('generation', '<', generation - 1).returning('kid').execute();
    return { generation, retired: retired.map((r) => r.kid) };
  });
}

/** Every stored public key: what /oidc/jwks publishes, so keys rotated in by another node are published at once. */
export async function publishedSsoKeys(db: Kysely<Database>): Promise<Jwk[]> {
  const rows = await db.selectFrom('sso_signing_keys').select('public_jwk').orderBy('generation', 'desc').orderBy('alg', 'desc').execute();
  return rows.map((r) => r.public_jwk as Jwk);
}
