import type {} from '@fastify/swagger';
import type {} from '@fastify/rate-limit';
import type { Caller } from '../dossiers/dossier-model';
import type { IdempotencyRecord } from '../commit/commit-pipeline';
import type { Scope } from '../parties/party';

/** What the edge plugins attach to requests and read from route configs. */
declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated party, on routes that declare a scope. */
    caller: Caller | null;
    /** Raw request body bytes, as received (evidence, signatures). */
    rawBody: Buffer | null;
    bodySha256: string | null;
    /** Set when the request carried a new Idempotency-Key; stored with the answer in the same transaction. */
    idempotency: IdempotencyRecord | null;
    /** True once the message log holds this request's record (written with its change). */
    messageLogged: boolean;
    /** `OK` or the error code the request was refused with. */
    outcome: string | null;
  }
  interface FastifyContextConfig {
    /** The scope a bearer token needs for this route; routes under /v1 must declare one or be `public`. */
    scope?: Scope;
    public?: boolean;
    /** The route accepts Idempotency-Key (POSTs that create something). */
    idempotent?: boolean;
    /** Leave this route out of the message log (probes, docs, metrics). */
    messageLog?: false;
    /** Keep the query string out of logs and the message log (it carries codes or tokens). */
    logQuery?: false;
  }
}

export {};
