import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { migrationsApplied } from '../db/migrate';
import { consumerLag } from '../events/feed';
import type { Hub } from '../hub';
import { type OutboxLag, outboxLag } from './metrics';

/**
 * Kafka being down does not make the hub unready: it keeps accepting, the events wait in the
 * outbox and go out when the broker is back. So the check says `degraded`, with the error,
 * and the readiness body carries the unpublished lag for alerting.
 */
function kafkaCheck(hub: Hub): { status: 'ok' | 'degraded' | 'not configured'; detail: string } {
  if (!hub.config.kafkaBrokers.length) return { status: 'not configured', detail: 'KAFKA_BROKERS is unset: events stay in the outbox and GET /v1/events' };
  if (!hub.relay) return { status: 'ok', detail: 'published by a separate relay process (RELAY_IN_PROCESS=false): see its lag below' };
  const { state, since, lastError } = hub.relay.status;
  const at = `since ${since.toISOString()}`;
  switch (state) {
    case 'publishing':
      return { status: 'ok', detail: `publishing to ${hub.config.kafkaBrokers.join(',')}` };
    case 'standby':
      return { status: 'ok', detail: `another relay holds the lease and publishes (${at})` };
    case 'starting':
      return { status: 'degraded', detail: `connecting to ${hub.config.kafkaBrokers.join(',')}` };
    case 'failing':
      return { status: 'degraded', detail: `cannot publish ${at}: ${lastError ?? 'unknown error'}; events wait in the outbox` };
  }
}

/** Liveness (the process answers) and readiness (it can do its job). */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const probe = { messageLog: false, rateLimit: false } as const;

  app.get(
    '/health/live',
    { schema: { summary: 'The process is up', tags: ['operations'], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } }, config: probe },
    async () => ({ status: 'ok' }),
  );

  let migrated = false;
  app.get(
    '/health/ready',
    {
      schema: {
        summary: 'The hub can serve: database reachable, migrations applied; outbox lag reported',
        tags: ['operations'],
        response: {
          '2xx': { $ref: 'Readiness#' },
          '5xx': { $ref: 'Readiness#' },
        },
      },
      config: probe,
    },
    async (_request, reply) => {
      const checks: Record<string, { status: 'ok' | 'failing' | 'degraded' | 'not configured'; detail?: string }> = {};
      let outbox: OutboxLag | undefined;
      let kafka: { unpublished: number; oldestAgeSeconds: number } | undefined;
      try {
        await sql`select 1`.execute(app.hub.db);
        checks.database = { status: 'ok', detail: app.hub.engine };
        migrated ||= await migrationsApplied(app.hub.db);
        checks.migrations = migrated ? { status: 'ok' } : { status: 'failing', detail: 'migrations pending: run npm run migrate' };
        outbox = await outboxLag(app.hub.db);
        if (app.hub.config.kafkaBrokers.length) {
          const lag = await consumerLag(app.hub.db, 'kafka');
          kafka = { unpublished: lag.events, oldestAgeSeconds: lag.oldestAgeSeconds };
        }
      } catch (error) {
        checks.database = { status: 'failing', detail: (error as Error).message };
      }
      checks.kafka = kafkaCheck(app.hub);
      const ready = Object.values(checks).every((c) => c.status !== 'failing');
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'not ready', checks, outbox, ...(kafka ? { kafka } : {}) };
    },
  );
}
