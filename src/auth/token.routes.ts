import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { grantedScopes } from '../http/authentication';
import { toHubError } from '../http/problem-handler';
import { authenticateClient } from './client-authentication';
import { OAuthError } from './oauth-error';
import { publishedKeys } from './signing-key';

/** OAuth 2.0 client credentials (RFC 6749 §4.4) and the hub's JWKS. */
export default async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const { parties, assertions, config } = app.hub;

  app.post(
    '/oauth/token',
    {
      schema: {
        summary: 'Get an access token (client credentials)',
        tags: ['auth'],
        description: 'Client authentication: client_secret_basic, client_secret_post or private_key_jwt (RFC 7523). Errors follow RFC 6749 §5.2.',
        consumes: ['application/x-www-form-urlencoded'],
        body: {
          type: 'object',
          properties: {
            grant_type: { type: 'string', enum: ['client_credentials'] },
            scope: { type: 'string' },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            client_assertion_type: { type: 'string' },
            client_assertion: { type: 'string' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' }, scope: { type: 'string' } },
          },
          '4xx': { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
        },
      },
      // The form is checked here, so that every problem is answered the OAuth way.
      validatorCompiler: () => () => true,
      // So is a body that cannot be parsed (malformed JSON, an unsupported media type); rate
      // limits and server errors go on to the hub's problem+json handler.
      errorHandler: (error, request, reply) => {
        const hubError = toHubError(error);
        if (hubError.status >= 500 || hubError.code === 'RATE_LIMITED') throw error;
        request.outcome = 'invalid_request';
        return reply.code(hubError.code === 'PAYLOAD_TOO_LARGE' ? 413 : 400).send({ error: 'invalid_request', error_description: hubError.message });
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      try {
        if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
          throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
        }
        const form = request.body as Record<string, string>;
        const client = await authenticateClient(request, form, parties, assertions);
        request.caller = { partyCode: client.party.code, clientId: client.client.clientId, jurisdiction: client.party.jurisdiction, requestId: request.id };
        if (form.grant_type !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
        const scopes = grantedScopes(form.scope, client.party.scopes);
        if (!scopes) throw new OAuthError('invalid_scope', `this client may request only: ${[...client.party.scopes].join(' ')}`);
        const accessToken = app.jwt.sign({ sub: client.client.clientId, party: client.party.code, scope: scopes.join(' '), jti: randomUUID() });
        request.outcome = 'OK';
        return { access_token: accessToken, token_type: 'Bearer', expires_in: config.accessTokenTtlSeconds, scope: scopes.join(' ') };
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        request.outcome = error.error;
        if (error.basicAuthAttempted && error.status === 401) reply.header('www-authenticate', 'Basic realm="lien-thong"');
        return reply.code(error.status).send({ error: error.error, error_description: error.description });
      }
    },
  );

  app.get(
    '/oauth/jwks',
    {
      schema: {
        summary: 'The keys that verify the hub’s access tokens',
        tags: ['auth'],
        response: { 200: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
      },
      config: { messageLog: false },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return { keys: await publishedKeys(app.hub.db) };
    },
  );
}
