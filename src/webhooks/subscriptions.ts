import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import { EVENT_TYPE_NAMES } from '../../schemas/event-types';
import type { Answer, CommitHandler, HandlerResult, Job } from '../commit/commit-pipeline';
import { type Column, insertRows } from '../db/json-rows';
import type { Database, SubscriptionsTable } from '../db/schema';
import type { PartyRegistry } from '../parties/registry';
import { toVietnamTime, toVietnamTimeOrNull } from '../time';

/**
 * Webhook subscriptions: made through the API, or declared by a party's notifyUrl in the
 * parties file. Plain functions of (db or trx, ...); the caller owns the transaction.
 * Deleted subscriptions stay as rows (their deliveries refer to them) but are gone for
 * the API; a disabled one is still listed, with why.
 */
type Executor = Kysely<Database> | Transaction<Database>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;

export function subscriptionResource(row: SubscriptionRow) {
  return {
    id: row.id,
    url: row.url,
    types: row.types,
    agencyCodes: row.agency_codes,
    createdAt: toVietnamTime(row.created_at),
    origin: row.origin,
    disabledAt: toVietnamTimeOrNull(row.disabled_at),
    disabledReason: row.disabled_reason,
  };
}

export interface NewSubscriptionJob {
  id: string;
  partyCode: string;
  url: string;
  types: string[];
  agencyCodes: string[] | null;
  secret: string;
}

const SUBSCRIPTION_COLUMNS: Column<NewSubscriptionJob & { createdAt: Date }>[] = [
  { name: 'id', value: (s) => s.id },
  { name: 'party_code', value: (s) => s.partyCode },
  { name: 'url', value: (s) => s.url },
  { name: 'types', value: (s) => s.types },
  { name: 'agency_codes', value: (s) => s.agencyCodes },
  { name: 'secret', value: (s) => s.secret },
  { name: 'origin', value: () => 'api' },
  { name: 'created_at', value: (s) => s.createdAt },
];

/**
 * Creates subscriptions through the group commit, so that the row, the Idempotency-Key
 * answer and the message-log record commit together. The answer is the only place the
 * secret is ever shown (and, for a replayed Idempotency-Key, shown again to the same party).
 */
export const createSubscriptionHandler: CommitHandler<NewSubscriptionJob> = {
  weight: () => 1,
  keys: () => [],
  async execute(_trx, jobs: readonly Job<NewSubscriptionJob>[], now: Date): Promise<HandlerResult> {
    const rows = jobs.map((job) => ({ ...job.payload, createdAt: now }));
    const answers: Answer[] = rows.map((s) => ({
      status: 201,
      body: { id: s.id, url: s.url, types: s.types, agencyCodes: s.agencyCodes, secret: s.secret, createdAt: toVietnamTime(now) },
      outcome: 'OK',
    }));
    return { answers, events: [], writes: [{ statement: insertRows('subscriptions', SUBSCRIPTION_COLUMNS, rows) }] };
  },
};

export interface ListPosition {
  createdAt: Date;
  id: string;
}

/** A party's subscriptions (deleted ones left out), oldest first. */
export async function listSubscriptions(db: Executor, partyCode: string, after: ListPosition | undefined, limit: number): Promise<SubscriptionRow[]> {
  let query = db.selectFrom('subscriptions').selectAll().where('party_code', '=', partyCode).where('deleted_at', 'is', null);
  if (after) query = query.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** The party's subscription, or undefined for another party's, a deleted or an unknown one (all answered 404 alike). */
export async function findOwnSubscription(db: Executor, partyCode: string, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).where('party_code', '=', partyCode).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Subscriptions the dispatcher fans events out to. */
export async function activeSubscriptions(db: Executor): Promise<SubscriptionRow[]> {
  return db.selectFrom('subscriptions').selectAll().where('disabled_at', 'is', null).where('deleted_at', 'is', null).execute();
}

/** Deliveries still waiting for these subscriptions will never be attempted: they become DISABLED. */
export async function disablePendingDeliveries(db: Executor, subscriptionIds: readonly string[]): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'DISABLED', next_attempt_at: null, updated_at: sql<Date>`now()` })
    .where('subscription_id', 'in', subscriptionIds)
    .where('status', '=', 'PENDING')
    .execute();
}

/** Stops deliveries to the subscriptions (410 Gone, or no longer declared), keeping them listed with the reason. */
export async function disableSubscriptions(trx: Transaction<Database>, subscriptionIds: readonly string[], reason: string, now: Date): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await trx.updateTable('subscriptions').set({ disabled_at: now, disabled_reason: reason }).where('id', 'in', subscriptionIds).where('disabled_at', 'is', null).execute();
  await disablePendingDeliveries(trx, subscriptionIds);
}

/** Deletes a party's subscription; false when it has none by that id. */
export async function deleteSubscription(db: Kysely<Database>, partyCode: string, id: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .updateTable('subscriptions')
      .set({ deleted_at: now })
      .where('id', '=', id)
      .where('party_code', '=', partyCode)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(deleted.numUpdatedRows) === 0) return false;
    await disablePendingDeliveries(trx, [id]);
    return true;
  });
}

/** The id of a party's declared subscription: derived from its code, so every boot and every hub node agree on it. */
export function declaredSubscriptionId(partyCode: string): string {
  const hash = createHash('sha256').update(`lien-thong/parties-file-subscription/${partyCode}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80; // UUID version 8 (custom, name-based)
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UNDECLARED_REASON = 'no longer declared in the parties file';

/**
 * Makes the parties file's declarations (notifyUrl + webhookSecret) the subscriptions of
 * origin parties-file: each declared one is created or brought up to date (every event
 * type, the party's whole jurisdiction) and enabled, so an operator re-enables one that a
 * 410 disabled by fixing the endpoint and restarting; the others are disabled.
 * Returns the ids it enabled again.
 */
export async function syncDeclaredSubscriptions(db: Kysely<Database>, parties: PartyRegistry, now: Date): Promise<{ reenabled: string[] }> {
  const declared = parties
    .all()
    .filter((p) => p.declaration.notifyUrl && p.declaration.webhookSecret)
    .map((p) => ({ id: declaredSubscriptionId(p.code), partyCode: p.code, url: p.declaration.notifyUrl!, secret: p.declaration.webhookSecret! }));
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('subscriptions').select(['id', 'disabled_at']).where('origin', '=', 'parties-file').forUpdate().execute();
    const reenabled = existing.filter((s) => s.disabled_at !== null && declared.some((d) => d.id === s.id)).map((s) => s.id);
    for (const d of declared) {
      await trx
        .insertInto('subscriptions')
        .values({ id: d.id, party_code: d.partyCode, url: d.url, types: [...EVENT_TYPE_NAMES], agency_codes: null, secret: d.secret, origin: 'parties-file', created_at: now })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            url: eb.ref('excluded.url'),
            types: eb.ref('excluded.types'),
            agency_codes: null,
            secret: eb.ref('excluded.secret'),
            disabled_at: null,
            disabled_reason: null,
            deleted_at: null,
          })),
        )
        .execute();
    }
    const undeclared = existing.filter((s) => s.disabled_at === null && !declared.some((d) => d.id === s.id)).map((s) => s.id);
    await disableSubscriptions(trx, undeclared, UNDECLARED_REASON, now);
    return { reenabled };
  });
}
