import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HubError } from '../errors';

/**
 * Per-party rate limit (per client IP before authentication, per provider for payment
 * callbacks), after authentication so that the party is known. A party's own `rateLimit` in the parties file overrides the default.
 */
async function partyRateLimit(app: FastifyInstance): Promise<void> {
  const { config, parties } = app.hub;
  /** A payment provider's callbacks count against that provider (a bank posts its IPNs from a few addresses), not against an IP. */
  const providerOf = (request: FastifyRequest) => (request.routeOptions.url?.startsWith('/v1/callbacks/') ? (request.params as { provider?: string }).provider : undefined);
  const partyOf = (request: FastifyRequest) => request.caller?.partyCode ?? providerOf(request);
  const keyOf = (request: FastifyRequest) => {
    const party = partyOf(request);
    return party ? `party:${party}` : `ip:${request.ip}`;
  };
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: config.rateLimitWindowMs,
    keyGenerator: keyOf,
    max: (request) => {
      const party = partyOf(request);
      const own = party ? parties.party(party)?.declaration.rateLimit : undefined;
      return own?.max ?? config.rateLimitMax;
    },
    errorResponseBuilder: (_request, context) => new HubError('RATE_LIMITED', `more than ${context.max} requests in ${context.after}; retry after the time in Retry-After`),
  });
}

export default fp(partyRateLimit, { name: 'rate-limit', dependencies: ['authentication'] });
