import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema';
import type { AggregateType } from './outbox';

/**
 * The feed's consumers inside the hub (the Kafka relay, the webhook dispatcher) read
 * outbox_feed in position order from where they stopped. Positions are gap-free and given
 * only to committed events (see the sealer), so a consumer never skips an event that
 * commits late; it advances its position once what it did with the events is durable.
 */
export type FeedConsumer = 'kafka' | 'webhooks' | 'portal-sync';

export interface FeedEvent {
  position: number;
  outboxId: number;
  eventId: string;
  aggregateType: AggregateType;
  aggregateId: string;
  agencyCode: string;
  eventType: string;
  /** The CloudEvent's `source` and `requestid` (Kafka headers). */
  source: string;
  requestId: string;
  /** The CloudEvent as JSON text, as stored. */
  payload: string;
  createdAt: Date;
}

export async function readFeed(db: Kysely<Database>, after: number, limit: number): Promise<FeedEvent[]> {
  // The positions are taken first (LIMIT on the feed's primary key), then joined: the join
  // never sees more than `limit` rows, whatever the planner's statistics say about the outbox.
  const positions = db.selectFrom('outbox_feed').select(['position', 'outbox_id']).where('position', '>', after).orderBy('position').limit(limit).as('outbox_feed');
  const rows = await db
    .selectFrom(positions)
    .innerJoin('outbox', 'outbox.id', 'outbox_feed.outbox_id')
    .select([
      'outbox_feed.position',
      'outbox.id',
      'outbox.event_id',
      'outbox.aggregate_type',
      'outbox.aggregate_id',
      'outbox.agency_code',
      'outbox.event_type',
      sql<string>`outbox.payload->>'source'`.as('source'),
      sql<string>`coalesce(outbox.payload->>'requestid', '')`.as('request_id'),
      sql<string>`outbox.payload::text`.as('payload'),
      'outbox.created_at',
    ])
    .orderBy('outbox_feed.position')
    .execute();
  return rows.map((r) => ({
    position: Number(r.position),
    outboxId: Number(r.id),
    eventId: r.event_id,
    aggregateType: r.aggregate_type as AggregateType,
    aggregateId: r.aggregate_id,
    agencyCode: r.agency_code,
    eventType: r.event_type,
    source: r.source,
    requestId: r.request_id,
    payload: r.payload,
    createdAt: r.created_at,
  }));
}

export async function consumerPosition(db: Kysely<Database>, consumer: FeedConsumer): Promise<number> {
  const row = await db.selectFrom('feed_consumers').select('position').where('name', '=', consumer).executeTakeFirstOrThrow();
  return Number(row.position);
}

/**
 * Moves the consumer forward (never back: a slower second instance cannot undo a faster
 * one's progress). With `leaseHolder`, only while that holder still has the lease; returns
 * whether the position was recorded.
 */
export async function advanceConsumer(db: Kysely<Database>, consumer: FeedConsumer, position: number, leaseHolder?: string): Promise<boolean> {
  let update = db
    .updateTable('feed_consumers')
    .set({ position: sql<number>`greatest(position, ${position})`, updated_at: sql<Date>`now()` })
    .where('name', '=', consumer);
  if (leaseHolder !== undefined) update = update.where('leased_by', '=', leaseHolder);
  const result = await update.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Takes or renews the consumer's lease for `holder`; returns the consumer's position, or
 * undefined while another holder's lease runs.
 */
export async function leaseConsumer(db: Kysely<Database>, consumer: FeedConsumer, holder: string, leaseMs: number): Promise<number | undefined> {
  const row = await db
    .updateTable('feed_consumers')
    .set({ leased_by: holder, lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'` })
    .where('name', '=', consumer)
    .where((eb) => eb.or([eb('leased_by', 'is', null), eb('leased_by', '=', holder), eb('lease_until', '<', sql<Date>`now()`)]))
    .returning('position')
    .executeTakeFirst();
  return row ? Number(row.position) : undefined;
}

/** Gives the lease up (a clean stop), so that another instance takes over at once. */
export async function releaseConsumer(db: Kysely<Database>, consumer: FeedConsumer, holder: string): Promise<void> {
  await db.updateTable('feed_consumers').set({ leased_by: null, lease_until: null }).where('name', '=', consumer).where('leased_by', '=', holder).execute();
}

/** Events in the feed that the consumer has not handled yet, and the age of the oldest. */
export async function consumerLag(db: Kysely<Database>, consumer: FeedConsumer): Promise<{ events: number; oldestAgeSeconds: number }> {
  const { rows } = await sql<{ events: number; oldest: number }>`
    SELECT (SELECT outbox_position FROM seal_head WHERE id = 1) - c.position AS events,
      coalesce((SELECT extract(epoch FROM now() - o.created_at) FROM outbox_feed f JOIN outbox o ON o.id = f.outbox_id WHERE f.position = c.position + 1), 0)::float8 AS oldest
    FROM feed_consumers c WHERE c.name = ${consumer}`.execute(db);
  const row = rows[0];
  return { events: Number(row?.events ?? 0), oldestAgeSeconds: Number(row?.oldest ?? 0) };
}
