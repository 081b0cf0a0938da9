import { createHash } from 'node:crypto';
import { type Transaction, sql } from 'kysely';
import { EVENT_TYPE_NAMES } from '../../schemas/event-types';
import type { BatchWrite } from '../commit/commit-pipeline';
import type { Database } from '../db/schema';
import { type Column, insertRows } from '../db/json-rows';

/**
 * Agency notifications (api-contract.md, Payments): a payment's `notifyUrl` receives
 * `{type: "payment.status_changed", data: <payment>}` when the payment ends, signed per
 * Standard Webhooks with the party's webhookSecret. Each (party, notifyUrl) is a webhook
 * subscription of origin `payment-notify`, so these notifications get everything webhooks
 * have: retries for three days, ordered per payment, every attempt logged, listed and
 * replayed through /v1/subscriptions. The dispatcher sends such a subscription only the final
 * status changes of payments that named its URL.
 */
export const PAYMENT_NOTIFY_TYPE = 'vn.gov.dvc.payment.status_changed.v1' satisfies (typeof EVENT_TYPE_NAMES)[number];

export interface NotifyTarget {
  id: string;
  partyCode: string;
  url: string;
  secret: string;
}

/** One subscription per (party, URL), with an id derived from both. */
export function notifyTarget(partyCode: string, url: string, secret: string): NotifyTarget {
  const hex = createHash('sha256').update(`payment-notify\u0000${partyCode}\u0000${url}`).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { id, partyCode, url, secret };
}

const COLUMNS: Column<NotifyTarget & { createdAt: Date }>[] = [
  { name: 'id', value: (t) => t.id },
  { name: 'party_code', value: (t) => t.partyCode },
  { name: 'url', value: (t) => t.url },
  { name: 'types', value: () => [PAYMENT_NOTIFY_TYPE] },
  { name: 'agency_codes', value: () => null },
  { name: 'secret', value: (t) => t.secret },
  { name: 'origin', value: () => 'payment-notify' },
  { name: 'created_at', value: (t) => t.createdAt },
];

/**
 * The writes that make these targets active subscriptions. Active ones are only read: an
 * upsert of the same row by every payment would make concurrent batches queue for its lock.
 * New ones are inserted; a disabled or deleted one (or one whose secret the operator
 * changed) is brought back, since a new payment asks for it again.
 */
export async function notifyTargetWrites(trx: Transaction<Database>, targets: readonly NotifyTarget[], now: Date): Promise<BatchWrite[]> {
  const unique = [...new Map(targets.map((t) => [t.id, t])).values()];
  if (unique.length === 0) return [];
  const existing = await trx.selectFrom('subscriptions').select(['id', 'secret', 'disabled_at', 'deleted_at']).where('id', 'in', unique.map((t) => t.id)).execute();
  const byId = new Map(existing.map((row) => [row.id, row]));
  const missing = unique.filter((t) => !byId.has(t.id));
  const revived = unique.filter((t) => {
    const row = byId.get(t.id);
    return row && (row.disabled_at !== null || row.deleted_at !== null || row.secret !== t.secret);
  });
  const writes: BatchWrite[] = [];
  if (missing.length) writes.push({ statement: sql`${insertRows('subscriptions', COLUMNS, missing.map((t) => ({ ...t, createdAt: now })))} ON CONFLICT (id) DO NOTHING` });
  for (const target of revived) {
    writes.push({ statement: sql`UPDATE subscriptions SET secret = ${target.secret}, disabled_at = NULL, disabled_reason = NULL, deleted_at = NULL WHERE id = ${target.id}` });
  }
  return writes;
}
