import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';
import { type Column, insertRows } from '../db/json-rows';
import { type FeedEvent, advanceConsumer, readFeed } from '../events/feed';
import { Jurisdiction } from '../parties/jurisdiction';
import type { PartyRegistry } from '../parties/registry';
import type { PaymentStatus } from '../payments/payment-model';
import { NOTIFIED_STATUSES } from '../payments/payment-states';
import { type SubscriptionRow, activeSubscriptions } from './subscriptions';

/**
 * Fans the feed out to subscriptions: for every event after the 'webhooks' consumer's
 * position and every active subscription that wants it, one PENDING delivery. The rows and
 * the new position commit in one transaction, which holds the consumer row locked (one
 * dispatcher at a time across hub nodes), so each (subscription, event) gets exactly one
 * delivery; UNIQUE (subscription_id, outbox_id) makes a repeat a no-op all the same.
 */
const FEED_BATCH = 1000;

interface NewDelivery {
  subscriptionId: string;
  event: FeedEvent;
  dueAt: Date;
}

const DELIVERY_COLUMNS: Column<NewDelivery>[] = [
  { name: 'subscription_id', value: (d) => d.subscriptionId },
  { name: 'outbox_id', value: (d) => d.event.outboxId },
  { name: 'event_id', value: (d) => d.event.eventId },
  { name: 'aggregate_id', value: (d) => d.event.aggregateId },
  { name: 'status', value: () => 'PENDING' },
  { name: 'next_attempt_at', value: (d) => d.dueAt },
];

type PaymentData = { notifyUrl?: string | null; status?: PaymentStatus };
const parsedPayments = new WeakMap<FeedEvent, PaymentData>();

/** A payment event's data, parsed once however many payment-notify subscriptions look at it. */
function paymentDataOf(event: FeedEvent): PaymentData {
  let data = parsedPayments.get(event);
  if (!data) parsedPayments.set(event, (data = (JSON.parse(event.payload) as { data: PaymentData }).data));
  return data;
}

/** Decides which events a subscription receives. */
class SubscriptionFilter {
  private readonly types: ReadonlySet<string>;
  private readonly agencies: Jurisdiction | undefined;

  constructor(
    readonly row: SubscriptionRow,
    private readonly partyJurisdiction: Jurisdiction,
  ) {
    this.types = new Set(row.types);
    this.agencies = row.agency_codes ? new Jurisdiction(row.agency_codes) : undefined;
  }

  wants(event: FeedEvent): boolean {
    return (
      this.types.has(event.eventType) &&
      this.partyJurisdiction.covers(event.agencyCode) &&
      (this.agencies?.covers(event.agencyCode) ?? true) &&
      // A subscription receives what happens from its creation on, not the history before it.
      event.createdAt >= this.row.created_at &&
      (this.row.origin === 'api' || this.row.origin === 'parties-file' || this.notifies(event))
    );
  }

  /** A payment's notifyUrl (or a payment platform partner's confirmUrl) hears of that payment's end, and of nothing else (src/payments/payment-notifications.ts). */
  private notifies(event: FeedEvent): boolean {
    const data = paymentDataOf(event);
    return data.notifyUrl === this.row.url && data.status !== undefined && NOTIFIED_STATUSES.has(data.status);
  }
}

export interface DispatchRound {
  deliveries: number;
  /** The batch was full: more events may be waiting. */
  more: boolean;
}

/**
 * One round; undefined when another node is dispatching. The jurisdiction is the party's
 * as the parties file declares it now, so a narrowed jurisdiction takes effect at once.
 */
export async function dispatchOnce(db: Kysely<Database>, parties: PartyRegistry, now: Date): Promise<DispatchRound | undefined> {
  return db.transaction().execute(async (trx) => {
    const consumer = await trx.selectFrom('feed_consumers').select('position').where('name', '=', 'webhooks').forUpdate().skipLocked().executeTakeFirst();
    if (!consumer) return undefined;
    const filters = (await activeSubscriptions(trx)).flatMap((row) => {
      const party = parties.party(row.party_code);
      return party ? [new SubscriptionFilter(row, party.jurisdiction)] : [];
    });
    if (filters.length === 0) {
      // Nobody subscribes: skip to the feed's head without reading the events (a subscription
      // made later receives only what happens after it anyway).
      const head = await trx.selectFrom('seal_head').select('outbox_position').where('id', '=', 1).executeTakeFirstOrThrow();
      if (Number(head.outbox_position) > Number(consumer.position)) await advanceConsumer(trx, 'webhooks', Number(head.outbox_position));
      return { deliveries: 0, more: false };
    }
    const events = await readFeed(trx, Number(consumer.position), FEED_BATCH);
    if (events.length === 0) return { deliveries: 0, more: false };

    const deliveries = events.flatMap((event) => filters.filter((f) => f.wants(event)).map((f) => ({ subscriptionId: f.row.id, event, dueAt: now })));
    if (deliveries.length) await sql`${insertRows('webhook_deliveries', DELIVERY_COLUMNS, deliveries)} ON CONFLICT (subscription_id, outbox_id) DO NOTHING`.execute(trx);
    await advanceConsumer(trx, 'webhooks', events.at(-1)!.position);
    return { deliveries: deliveries.length, more: events.length === FEED_BATCH };
  });
}
