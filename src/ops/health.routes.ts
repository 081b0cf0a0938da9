import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { migrationsApplied } from '../db/migrate';
import { type OutboxLag, outboxLag } from './metrics';

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
      const checks: Record<string, { status: 'ok' | 'failing' | 'not configured'; detail?: string }> = {};
      let outbox: OutboxLag | undefined;
      try {
        await sql`select 1`.execute(app.hub.db);
        checks.database = { status: 'ok', detail: app.hub.engine };
        migrated ||= await migrationsApplied(app.hub.db);
        checks.migrations = migrated ? { status: 'ok' } : { status: 'failing', detail: 'migrations pending: run npm run migrate' };
        outbox = await outboxLag(app.hub.db);
      } catch (error) {
        checks.database = { status: 'failing', detail: (error as Error).message };
      }
      checks.kafka = {
        status: 'not configured',
        detail: app.hub.config.kafkaBrokers.length
          ? 'KAFKA_BROKERS is set, but this version has no Kafka relay yet: events stay in the outbox and GET /v1/events'
          : 'events stay in the outbox and GET /v1/events',
      };
      const ready = Object.values(checks).every((c) => c.status !== 'failing');
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ready' : 'not ready', checks, outbox };
    },
  );
}
