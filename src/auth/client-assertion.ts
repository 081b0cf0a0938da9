import { createPublicKey } from 'node:crypto';
import { createDecoder, createVerifier, type Algorithm } from 'fast-jwt';
import type { Kysely } from 'kysely';
import { request as httpRequest } from 'undici';
import type { Database } from '../db/schema';
import type { ClientDeclaration } from '../parties/party';
import { OAuthError } from './oauth-error';

/**
 * private_key_jwt (RFC 7523): the client signs an assertion with its own key; the hub
 * checks it against the JWKS the party registered (inline or by URI), its audience, its
 * lifetime, and that its `jti` was never used before.
 */
const ALGORITHMS: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Allowed clock skew between the client and the hub (fast-jwt counts it in milliseconds). */
const CLOCK_TOLERANCE_SECONDS = 5;
const JWKS_CACHE_MS = 5 * 60_000;

type Jwk = Record<string, unknown> & { kid?: string; kty: string; use?: string };

const decodeComplete = createDecoder({ complete: true });

export class ClientAssertionVerifier {
  private readonly jwksCache = new Map<string, { keys: Jwk[]; fetchedAt: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    /** The audiences an assertion may name: the token endpoint URL or the issuer. */
    private readonly audiences: string[],
  ) {}

  async verify(assertion: string, client: ClientDeclaration): Promise<void> {
    let header: { kid?: string; alg?: string };
    try {
      header = (decodeComplete(assertion) as { header: { kid?: string; alg?: string } }).header;
    } catch {
      throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
    }
    const jwk = await this.findKey(client, header.kid);
    let pem: string;
    try {
      pem = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    } catch (error) {
      throw new OAuthError('invalid_client', `the registered key${jwk.kid ? ` ${jwk.kid}` : ''} is not a usable public key: ${(error as Error).message}`);
    }
    const verify = createVerifier({
      key: pem,
      algorithms: ALGORITHMS,
      allowedIss: client.clientId,
      allowedSub: client.clientId,
      allowedAud: this.audiences,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000,
    });
    let claims: { exp: number; iat?: number; jti: string };
    try {
      claims = verify(assertion) as typeof claims;
    } catch (error) {
      throw new OAuthError('invalid_client', `client_assertion rejected: ${(error as Error).message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp - now > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new OAuthError('invalid_client', `client_assertion must expire within ${MAX_ASSERTION_LIFETIME_SECONDS} s`);
    }
    // Kept until the assertion can no longer be accepted, tolerance included, so a pruned jti cannot be replayed.
    const inserted = await this.db
      .insertInto('client_assertion_jtis')
      .values({ client_id: client.clientId, jti: String(claims.jti), expires_at: new Date((claims.exp + CLOCK_TOLERANCE_SECONDS) * 1000) })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new OAuthError('invalid_client', 'client_assertion was already used (jti replayed)');
    }
  }

  private async findKey(client: ClientDeclaration, kid: string | undefined): Promise<Jwk> {
    let keys = await this.keysOf(client, false);
    let key = pick(keys, kid);
    if (!key && client.jwksUri) {
      keys = await this.keysOf(client, true); // the party may have rotated its keys
      key = pick(keys, kid);
    }
    if (!key) throw new OAuthError('invalid_client', kid ? `no registered key with kid ${kid}` : 'no registered signing key');
    return key;
  }

  private async keysOf(client: ClientDeclaration, refresh: boolean): Promise<Jwk[]> {
    if (client.jwks) return client.jwks.keys as Jwk[];
    if (!client.jwksUri) throw new OAuthError('invalid_client', 'this client has no registered keys for private_key_jwt');
    const cached = this.jwksCache.get(client.jwksUri);
    if (cached && !refresh && Date.now() - cached.fetchedAt < JWKS_CACHE_MS) return cached.keys;
    try {
      const response = await httpRequest(client.jwksUri, { headersTimeout: 5000, bodyTimeout: 5000 });
      if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
      const body = (await response.body.json()) as { keys?: Jwk[] };
      const keys = Array.isArray(body.keys) ? body.keys : [];
      this.jwksCache.set(client.jwksUri, { keys, fetchedAt: Date.now() });
      return keys;
    } catch (error) {
      throw new OAuthError('invalid_client', `the client's jwksUri could not be read: ${(error as Error).message}`);
    }
  }

  /** Forgets used jtis once their assertions have expired. */
  async prune(): Promise<void> {
    await this.db.deleteFrom('client_assertion_jtis').where('expires_at', '<', new Date()).execute();
  }
}

function pick(keys: Jwk[], kid: string | undefined): Jwk | undefined {
  const signing = keys.filter((k) => k.use === undefined || k.use === 'sig');
  if (kid) return signing.find((k) => k.kid === kid);
  return signing.length === 1 ? signing[0] : undefined;
}
