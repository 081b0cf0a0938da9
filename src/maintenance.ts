import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { ClientAssertionVerifier } from './auth/client-assertion';
import type { Database } from './db/schema';
import { IDEMPOTENCY_RETENTION_MS } from './http/idempotency';
import { SsoPayloadStore } from './sso/payload-store';

const EVERY_MS = 10 * 60_000;

/** Periodic clean-up of records whose purpose has expired (idempotency keys, used assertion ids, single sign-on sessions and tokens). */
export function startMaintenance(db: Kysely<Database>, assertions: ClientAssertionVerifier, log: FastifyBaseLogger): () => void {
  const run = async () => {
    try {
      await db.deleteFrom('idempotency_keys').where('created_at', '<', new Date(Date.now() - IDEMPOTENCY_RETENTION_MS)).execute();
      await assertions.prune();
      await new SsoPayloadStore(db).prune();
    } catch (error) {
      log.warn({ err: error }, 'maintenance run failed; it will be retried');
    }
  };
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
