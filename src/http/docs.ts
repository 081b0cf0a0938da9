import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors';

/**
 * The OpenAPI document is generated from the route schemas (the single source), served at
 * /openapi.json with Swagger UI at /docs, and committed under openapi/ (CI checks drift).
 * Shared schemas become components named by their $id.
 */
async function docs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Liên Thông hub API',
        version: '1.0.0',
        description:
          'The integration hub behind the national public-service portal: dossier status and result sync, events, payments and single sign-on. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            flows: {
              clientCredentials: {
                tokenUrl: '/oauth/token',
                scopes: {
                  'dossiers:write': 'Write dossiers, status events and results of your agencies',
                  'dossiers:read': 'Read dossiers of your agencies',
                  'payments:write': 'Create payments and refunds',
                  'payments:read': 'Read payments',
                  'events:read': 'Read the event feed and manage webhook subscriptions',
                  'reports:read': 'Read quality reports',
                  admin: 'Operate the hub',
                },
              },
            },
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const scope = route.config?.scope;
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (scope) transformed.security = [{ oauth2: [scope] }];
      return { schema: transformed as never, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  // Swagger UI's own routes are not part of the API: keep them out of the message log and rate limits.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), messageLog: false, rateLimit: false } as never;
  });

  app.get('/openapi.json', { schema: { hide: true }, config: { messageLog: false, rateLimit: false } }, async () => app.swagger());

  app.get<{ Params: { code: string } }>(
    '/problems/:code',
    {
      schema: {
        summary: 'What an error code means (the `type` of a problem document)',
        tags: ['operations'],
        params: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { code: { type: 'string' }, status: { type: 'integer' }, title: { type: 'string' } } }, '4xx': { $ref: 'Problem#' } },
      },
      config: { messageLog: false },
    },
    async (request, reply) => {
      const entry = ERROR_CATALOGUE[request.params.code as ErrorCode];
      if (!entry) return reply.callNotFound();
      return { code: request.params.code, status: entry.status, title: entry.title };
    },
  );
}

export default fp(docs, { name: 'docs' });
