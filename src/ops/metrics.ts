import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/schema';
import { consumerLag } from '../events/feed';

/** Prometheus metrics: one registry per hub instance (tests build many). */
export class HubMetrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'HTTP requests by route, method, status and party',
    labelNames: ['method', 'route', 'status', 'party'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'hub_refusals_total',
    help: 'Requests refused, by error code and party',
    labelNames: ['code', 'party'] as const,
    registers: [this.registry],
  });

  readonly paymentCallbacks = new Counter({
    name: 'hub_payment_callbacks_total',
    help: 'Provider callbacks (IPN), by provider and what the hub made of them (ACCEPTED, ALREADY_CONFIRMED, INVALID_SIGNATURE, ...)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly commitBatchSize = new Histogram({
    name: 'hub_commit_batch_messages',
    help: 'Messages per group-commit transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [this.registry],
  });

  readonly commitDuration = new Histogram({
    name: 'hub_commit_duration_seconds',
    help: 'Duration of one group-commit transaction',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  constructor(db: Kysely<Database>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hub_' });
    // Both gauges come from one query; a scrape collects them concurrently, so they share it.
    let scrape: Promise<OutboxLag> | undefined;
    const lag = () => (scrape ??= outboxLag(db).finally(() => (scrape = undefined)));
    new Gauge({
      name: 'hub_outbox_unsealed_events',
      help: 'Events not yet in the feed (awaiting the sealer)',
      registers: [this.registry],
      async collect() {
        this.set((await lag()).unsealed);
      },
    });
    new Gauge({
      name: 'hub_outbox_lag_seconds',
      help: 'Age of the oldest event not yet in the feed',
      registers: [this.registry],
      async collect() {
        this.set((await lag()).oldestAgeSeconds);
      },
    });
    this.addBacklogGauges(db);
  }

  /** What is waiting on someone outside the hub: submissions not yet taken, payments not yet settled, refunds unconfirmed, the portal sync's lag. */
  private addBacklogGauges(db: Kysely<Database>): void {
    new Gauge({
      name: 'hub_submissions_pending',
      help: 'Online submissions not yet taken by their agency, by delivery (PUSH: not yet pushed; PULL: in the inbox, not acknowledged)',
      labelNames: ['delivery'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('submissions').select(['delivery', sql<number>`count(*)::int`.as('n')]).where('status', '=', 'PENDING').groupBy('delivery').execute();
        this.reset();
        for (const row of rows) this.set({ delivery: row.delivery }, Number(row.n));
      },
    });
    new Gauge({
      name: 'hub_payments_open',
      help: 'Payments not yet settled, by status (CREATED, PENDING, FAILED)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db.selectFrom('payments').select(['status', sql<number>`count(*)::int`.as('n')]).where('status', 'in', ['CREATED', 'PENDING', 'FAILED']).groupBy('status').execute();
        this.reset();
        for (const row of rows) this.set({ status: row.status }, Number(row.n));
      },
    });
    new Gauge({
      name: 'hub_payments_with_pending_refunds',
      help: 'Payments with a refund its provider has not confirmed (asked again by the sweeper, or awaiting an operator)',
      registers: [this.registry],
      async collect() {
        const row = await db.selectFrom('payments').select(sql<number>`count(*)::int`.as('n')).where(sql<boolean>`refunds @> '[{"status": "PENDING"}]'`).executeTakeFirstOrThrow();
        this.set(Number(row.n));
      },
    });
    new Gauge({
      name: 'hub_portal_sync_lag_events',
      help: 'Feed events the sync to the national portal has not handled yet (when portalSync is declared)',
      registers: [this.registry],
      async collect() {
        this.set((await consumerLag(db, 'portal-sync')).events);
      },
    });
  }

  observeRequest(method: string, route: string, status: number, party: string, seconds: number): void {
    this.requestDuration.observe({ method, route, status: String(status), party }, seconds);
  }
}

export interface OutboxLag {
  /** Committed or in-flight events the sealer has not put in the feed yet. */
  unsealed: number;
  oldestAgeSeconds: number;
}

export async function outboxLag(db: Kysely<Database>): Promise<OutboxLag> {
  const row = await db
    .selectFrom('outbox')
    .select([sql<number>`count(*)::int`.as('unsealed'), sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('oldest')])
    .where(sql<boolean>`txid >= (SELECT horizon FROM seal_head WHERE id = 1)`)
    .executeTakeFirstOrThrow();
  return { unsealed: Number(row.unsealed), oldestAgeSeconds: Number(row.oldest) };
}

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] }, config: { messageLog: false, rateLimit: false } },
    async (_request, reply) => {
      reply.type(app.hub.metrics.registry.contentType);
      return app.hub.metrics.registry.metrics();
    },
  );
}
