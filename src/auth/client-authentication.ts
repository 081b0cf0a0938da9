import type { FastifyRequest } from 'fastify';
import type { ClientDeclaration, Party } from '../parties/party';
import type { PartyRegistry } from '../parties/registry';
import { constantTimeEqual, verifySecretHash } from '../parties/secrets';
import type { ClientAssertionVerifier } from './client-assertion';
import { OAuthError } from './oauth-error';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface AuthenticatedClient {
  party: Party;
  client: ClientDeclaration;
  method: ClientAuthMethod;
}

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function basicCredentials(header: string | undefined): { clientId: string; secret: string } | undefined {
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  if (!header || !/^Basic\s/i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic credentials', true);
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    throw new OAuthError('invalid_client', 'malformed Basic credentials', true);
  }
}

async function secretMatches(client: ClientDeclaration, secret: string): Promise<boolean> {
  if (client.clientSecret !== undefined) return constantTimeEqual(client.clientSecret, secret);
  if (client.clientSecretHash !== undefined) return verifySecretHash(secret, client.clientSecretHash);
  return false;
}

/** Authenticates the client of a token request by exactly one of the three methods the contract allows. */
export async function authenticateClient(
  request: FastifyRequest,
  form: Record<string, string>,
  registry: PartyRegistry,
  assertions: ClientAssertionVerifier,
): Promise<AuthenticatedClient> {
  const basic = basicCredentials(request.headers.authorization);
  const usesPost = form.client_secret !== undefined;
  const usesAssertion = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  if ([basic, usesPost, usesAssertion].filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'use exactly one client authentication method', basic !== undefined);
  }

  if (usesAssertion) {
    if (form.client_assertion_type !== JWT_BEARER_ASSERTION || !form.client_assertion) {
      throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION}, with client_assertion`);
    }
    const clientId = form.client_id ?? unverifiedIssuer(form.client_assertion);
    const known = clientId ? registry.client(clientId) : undefined;
    if (!known) throw new OAuthError('invalid_client', 'unknown client');
    await assertions.verify(form.client_assertion, known.client);
    return { ...known, method: 'private_key_jwt' };
  }

  const credentials = basic ?? (usesPost ? { clientId: form.client_id ?? '', secret: form.client_secret! } : undefined);
  if (!credentials) throw new OAuthError('invalid_client', 'client authentication is required');
  if (basic && form.client_id !== undefined && form.client_id !== basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials', true);
  }
  const known = registry.client(credentials.clientId);
  // The same answer for an unknown client and a wrong secret: no probing for client ids.
  if (!known || !(await secretMatches(known.client, credentials.secret))) {
    throw new OAuthError('invalid_client', 'client authentication failed', basic !== undefined);
  }
  return { ...known, method: basic ? 'client_secret_basic' : 'client_secret_post' };
}

function unverifiedIssuer(assertion: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
