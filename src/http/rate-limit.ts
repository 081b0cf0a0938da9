import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HubError } from '../errors';

/**
 * Per-party rate limit (per client IP before authentication), after authentication so
 * that the party is known. A party's own `rateLimit` in the parties file overrides the default.
 */
async function partyRateLimit(app: FastifyInstance): Promise<void> {
  const { config, parties } = app.hub;
  const keyOf = (request: FastifyRequest) => (request.caller ? `party:${request.caller.partyCode}` : `ip:${request.ip}`);
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: keyOf,
    max: (request) => {
      const own = request.caller ? parties.party(request.caller.partyCode)?.declaration.rateLimit : undefined;
      return own?.max ?? config.rateLimitMax;
    },
    errorResponseBuilder: (_request, context) => new HubError('RATE_LIMITED', `more than ${context.max} requests in ${context.after}; retry after the time in Retry-After`),
  });
}

export default fp(partyRateLimit, { name: 'rate-limit', dependencies: ['authentication'] });
