import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sha256Hex } from '../canonical-json';
import { HubError, validationError } from '../errors';

/**
 * Idempotency-Key on POSTs that create something. A key seen before with the same request
 * is answered with the original status and body (`Idempotent-Replayed: true`); with another
 * request, 422 IDEMPOTENCY_KEY_REUSED. A new key is stored with its answer in the same
 * transaction as the change it made (see the commit pipeline), so a crash cannot separate them.
 */
const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;
/** Keys are kept at least 24 h; the pruner removes them after this. */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;

/** Answers a request with the stored answer of its key, if there is one. Returns false if none. */
export async function replayIfKnown(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, partyCode: string, key: string, requestHash: string): Promise<boolean> {
  const stored = await app.hub.db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('party_code', '=', partyCode)
    .where('idem_key', '=', key)
    .executeTakeFirst();
  if (!stored) return false;
  if (stored.request_hash !== requestHash) {
    throw new HubError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was already used with a different request`);
  }
  request.outcome = 'REPLAYED';
  reply.header('idempotent-replayed', 'true').code(stored.status_code);
  if (stored.status_code >= 400) reply.type('application/problem+json');
  await reply.send((stored.response as { body: unknown }).body);
  return true;
}

async function idempotency(app: FastifyInstance): Promise<void> {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw validationError([{ path: '/Idempotency-Key', in: 'header', message: 'must be 1–255 characters of A–Z, a–z, 0–9, _ . : -' }]);
    }
    const partyCode = request.caller!.partyCode;
    const requestHash = sha256Hex(`${request.method} ${request.url}\n${request.bodySha256 ?? ''}`);
    if (await replayIfKnown(app, request, reply, partyCode, key, requestHash)) return reply;
    request.idempotency = { partyCode, key, requestHash };
  });
}

export default fp(idempotency, { name: 'idempotency', dependencies: ['authentication'] });
