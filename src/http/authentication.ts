import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HubError } from '../errors';
import type { Caller } from '../dossiers/dossier-model';
import type { Scope } from '../parties/party';

/**
 * Bearer authentication: every route under /v1 declares the scope it needs (or is
 * explicitly public); the token must be the hub's own (signature, issuer, expiry), its
 * client still registered, and the scope granted. Jurisdiction is then checked by the
 * domain against `request.caller.jurisdiction`.
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  party: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
}

async function authentication(app: FastifyInstance): Promise<void> {
  const { config, signingKey } = app.hub;
  await app.register(fastifyJwt, {
    secret: { private: signingKey.privatePem, public: signingKey.publicPem },
    sign: { algorithm: 'ES256', kid: signingKey.kid, iss: config.publicUrl, expiresIn: config.accessTokenTtlSeconds },
    // Verified tokens are cached (never beyond their expiry): a signature check per request is the costliest part of auth.
    verify: { algorithms: ['ES256'], allowedIss: config.publicUrl, requiredClaims: ['exp', 'party', 'scope', 'sub'], cache: 10_000, cacheTTL: 600_000 },
  });
  app.decorateRequest('caller', null);

  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1') && !route.config?.scope && !route.config?.public) {
      throw new Error(`route ${String(route.method)} ${route.url} must declare config.scope or config.public`);
    }
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const header = request.headers.authorization;
    if (!header || !/^Bearer\s+\S+$/i.test(header)) throw new HubError('UNAUTHENTICATED', 'send Authorization: Bearer <access token from POST /oauth/token>');
    const { caller, scopes } = callerOfToken(app, header.replace(/^Bearer\s+/i, ''), request.id);
    request.caller = caller;
    if (!scopes.includes(scope)) throw new HubError('FORBIDDEN', `this operation needs the scope ${scope}`);
  });
}

/** The caller an access token stands for (also a portal-compatible session, which is one), or UNAUTHENTICATED. */
export function callerOfToken(app: FastifyInstance, token: string, requestId: string): { caller: Caller; scopes: string[] } {
  let claims: AccessTokenClaims;
  try {
    claims = app.jwt.verify<AccessTokenClaims>(token);
  } catch (error) {
    throw new HubError('UNAUTHENTICATED', `the access token is not valid: ${(error as Error).message}`);
  }
  const registered = app.hub.parties.client(claims.sub);
  if (!registered || registered.party.code !== claims.party) throw new HubError('UNAUTHENTICATED', 'the token’s client is no longer registered');
  return { caller: { partyCode: claims.party, clientId: claims.sub, jurisdiction: registered.party.jurisdiction, requestId }, scopes: claims.scope.split(' ') };
}

export function requireCaller(request: FastifyRequest) {
  if (!request.caller) throw new HubError('UNAUTHENTICATED');
  return request.caller;
}

export function grantedScopes(requested: string | undefined, allowed: ReadonlySet<Scope>): Scope[] | undefined {
  if (requested === undefined || requested.trim() === '') return [...allowed];
  const scopes = [...new Set(requested.trim().split(/\s+/))];
  return scopes.every((s) => allowed.has(s as Scope)) ? (scopes as Scope[]) : undefined;
}

export default fp(authentication, { name: 'authentication', dependencies: ['problem-handler'] });
