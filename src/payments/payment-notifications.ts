import { createHash } from 'node:crypto';
import { type Transaction, sql } from 'kysely';
import { EVENT_TYPE_NAMES } from '../../schemas/event-types';
import type { BatchWrite } from '../commit/commit-pipeline';
import { confirmMessage } from '../../adapters/onestop/dvcqg/payment-platform/translate';
import type { Database, SubscriptionOrigin } from '../db/schema';
import type { Party } from '../parties/party';
import type { PaymentResource } from './payment-resource';
import { PAID_STATUSES } from './payment-states';
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

export type NotifyOrigin = 'payment-notify' | 'payment-confirm';

export interface NotifyTarget {
  id: string;
  origin: NotifyOrigin;
  partyCode: string;
  url: string;
  secret: string;
}

/**
 * One subscription per (origin, party, URL), with an id derived from them. `payment-confirm`:
 * a portal payment platform partner's confirmUrl, which receives the platform's Confirm
 * message (signed with MaXacThuc; `secret` is the partner's) instead of the contract's body.
 */
export function notifyTarget(partyCode: string, url: string, secret: string, origin: NotifyOrigin = 'payment-notify'): NotifyTarget {
  const hex = createHash('sha256').update(`${origin}\u0000${partyCode}\u0000${url}`).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { id, origin, partyCode, url, secret };
}

/** The body a payment notification subscription receives for a stored payment status CloudEvent. */
export function paymentNotificationBody(origin: SubscriptionOrigin, party: Party | undefined, cloudEvent: string): string {
  const { data } = JSON.parse(cloudEvent) as { data: PaymentResource };
  const platform = party?.declaration.paymentPlatform;
  if (origin !== 'payment-confirm' || !platform) return JSON.stringify({ type: 'payment.status_changed', data });
  const paid = PAID_STATUSES.has(data.status);
  const attempt = data.attempts.find((a) => a.status === 'SUCCEEDED') ?? data.attempts.at(-1);
  const confirm = confirmMessage(
    {
      externalReference: data.externalReference ?? '',
      amount: data.amount,
      providerTransactionId: data.providerTransactionId ?? undefined,
      bankCode: attempt?.provider,
      paidAt: new Date(data.paidAt ?? data.updatedAt),
      description: data.description,
      succeeded: paid,
    },
    { partnerCode: platform.partnerCode, secret: platform.secret },
  );
  return JSON.stringify(confirm);
}

const COLUMNS: Column<NotifyTarget & { createdAt: Date }>[] = [
  { name: 'id', value: (t) => t.id },
  { name: 'party_code', value: (t) => t.partyCode },
  { name: 'url', value: (t) => t.url },
  { name: 'types', value: () => [PAYMENT_NOTIFY_TYPE] },
  { name: 'agency_codes', value: () => null },
  { name: 'secret', value: (t) => t.secret },
  { name: 'origin', value: (t) => t.origin },
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
