import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';

/** The key the hub signs its access tokens with (ES256), shared by every hub node through the database. */
export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privatePem: string;
  publicPem: string;
  publicJwk: Record<string, unknown>;
}

function thumbprint(jwk: { crv?: string; kty?: string; x?: string; y?: string }): string {
  // RFC 7638: the required members, lexicographic order, no whitespace.
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function toSigningKey(row: { kid: string; private_pem: string; public_jwk: Record<string, unknown> }): SigningKey {
  const publicPem = createPublicKey(createPrivateKey(row.private_pem)).export({ type: 'spki', format: 'pem' }).toString();
  return { kid: row.kid, alg: 'ES256', privatePem: row.private_pem, publicPem, publicJwk: row.public_jwk };
}

/** Loads the newest signing key, creating the first one on first boot (serialized across nodes). */
export async function loadOrCreateSigningKey(db: Kysely<Database>): Promise<SigningKey> {
  return db.transaction().execute(async (trx) => {
    // Any row lock all nodes agree on serializes first-boot key creation.
    await trx.selectFrom('seal_head').select('id').where('id', '=', 1).forUpdate().execute();
    const existing = await trx.selectFrom('hub_signing_keys').selectAll().orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    if (existing) return toSigningKey(existing);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string };
    const kid = thumbprint(jwk);
    const publicJwk = { ...jwk, kid, alg: 'ES256', use: 'sig' };
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await trx.insertInto('hub_signing_keys').values({ kid, alg: 'ES256', private_pem: privatePem, public_jwk: JSON.stringify(publicJwk) }).execute();
    return toSigningKey({ kid, private_pem: privatePem, public_jwk: publicJwk });
  });
}

export async function publishedKeys(db: Kysely<Database>): Promise<Record<string, unknown>[]> {
  const rows = await db.selectFrom('hub_signing_keys').select('public_jwk').orderBy('created_at', 'desc').execute();
  return rows.map((r) => r.public_jwk);
}
