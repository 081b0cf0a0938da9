import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, DeliveryStatus } from '../db/schema';
import { toVietnamTime, toVietnamTimeOrNull } from '../time';

/**
 * What a subscriber sees of its deliveries: one item per (subscription, event), with every
 * attempt made for it, newest delivery first; and the replay of one delivery.
 */
export interface DeliveryView {
  id: string;
  eventId: string;
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  attemptedAt: string | null;
  nextAttemptAt: string | null;
  attempts: { attempt: number; attemptedAt: string; responseStatus: number | null; durationMs: number; error: string | null }[];
}

/** A page of a subscription's deliveries, newest first, after (below) delivery id `before`. */
export async function listDeliveries(db: Kysely<Database>, subscriptionId: string, before: number | undefined, limit: number): Promise<DeliveryView[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_id', 'status', 'attempts', 'response_status', 'next_attempt_at'])
    .where('subscription_id', '=', subscriptionId);
  if (before !== undefined) query = query.where('id', '<', before);
  const deliveries = await query.orderBy('id', 'desc').limit(limit).execute();
  return withAttempts(db, deliveries);
}

export async function findDelivery(db: Kysely<Database>, subscriptionId: string, deliveryId: number): Promise<DeliveryView | undefined> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_id', 'status', 'attempts', 'response_status', 'next_attempt_at'])
    .where('subscription_id', '=', subscriptionId)
    .where('id', '=', deliveryId)
    .execute();
  return (await withAttempts(db, rows))[0];
}

type DeliveryRow = { id: number; event_id: string; status: DeliveryStatus; attempts: number; response_status: number | null; next_attempt_at: Date | null };

async function withAttempts(db: Kysely<Database>, deliveries: DeliveryRow[]): Promise<DeliveryView[]> {
  if (deliveries.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .select(['delivery_id', 'attempt', 'attempted_at', 'response_status', 'duration_ms', 'error'])
    .where(
      'delivery_id',
      'in',
      deliveries.map((d) => Number(d.id)),
    )
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  const byDelivery = new Map<number, DeliveryView['attempts']>();
  for (const a of attempts) {
    const list = byDelivery.get(Number(a.delivery_id)) ?? [];
    list.push({ attempt: a.attempt, attemptedAt: toVietnamTime(a.attempted_at), responseStatus: a.response_status, durationMs: a.duration_ms, error: a.error });
    byDelivery.set(Number(a.delivery_id), list);
  }
  return deliveries.map((d) => {
    const own = byDelivery.get(Number(d.id)) ?? [];
    return {
      id: String(d.id),
      eventId: d.event_id,
      attempt: d.attempts,
      status: d.status,
      responseStatus: d.response_status,
      attemptedAt: own.at(-1)?.attemptedAt ?? null,
      nextAttemptAt: d.status === 'PENDING' ? toVietnamTimeOrNull(d.next_attempt_at) : null,
      attempts: own,
    };
  });
}

/**
 * Puts one delivery back in the queue, due at `now`, whatever its state: a replay is one
 * more attempt (a FAILED delivery that fails again is FAILED again at once; the schedule
 * is not restarted). Returns false when the subscription has no such delivery or is no longer active.
 */
export async function replayDelivery(db: Kysely<Database>, subscriptionId: string, deliveryId: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'PENDING', next_attempt_at: now, updated_at: sql<Date>`now()` })
    .where('subscription_id', '=', subscriptionId)
    .where('id', '=', deliveryId)
    // Only for a subscription still delivered to: a pending delivery of a disabled one would never go.
    .where(({ exists, selectFrom }) => exists(selectFrom('subscriptions').select('id').where('id', '=', subscriptionId).where('disabled_at', 'is', null).where('deleted_at', 'is', null)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
