import { type Kysely, type Transaction, sql } from 'kysely';
import type { BatchWrite } from '../commit/commit-pipeline';
import type { Database } from '../db/schema';
import { type Column, insertRows, selectRows } from '../db/json-rows';
import type { PaymentAttempt, PaymentRefund, PaymentRequest, PaymentState, PaymentStatus } from './payment-model';

/** Payment persistence: plain functions of (db or trx, ...); the caller owns the transaction. */
type Executor = Kysely<Database> | Transaction<Database>;

interface PaymentRow {
  id: string;
  agency_code: string;
  owner_party_code: string;
  external_reference: string | null;
  status: string;
  document: Record<string, unknown>;
  attempts: unknown[];
  refunds: unknown[];
  refunded_amount: number | string;
  expires_at: Date;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

function toState(row: PaymentRow): PaymentState {
  return {
    id: row.id,
    agencyCode: row.agency_code,
    ownerPartyCode: row.owner_party_code,
    externalReference: row.external_reference,
    status: row.status as PaymentStatus,
    request: row.document as unknown as PaymentRequest,
    attempts: row.attempts as PaymentAttempt[],
    refunds: row.refunds as PaymentRefund[],
    refundedAmount: Number(row.refunded_amount),
    expiresAt: new Date(row.expires_at),
    paidAt: row.paid_at && new Date(row.paid_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
  };
}

export async function findPayment(db: Executor, id: string): Promise<PaymentState | undefined> {
  const row = await db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toState(row as unknown as PaymentRow);
}

export async function findPaymentByExternalReference(db: Executor, ownerPartyCode: string, externalReference: string): Promise<PaymentState | undefined> {
  const row = await db.selectFrom('payments').selectAll().where('owner_party_code', '=', ownerPartyCode).where('external_reference', '=', externalReference).executeTakeFirst();
  return row && toState(row as unknown as PaymentRow);
}

/** Payments by id, row-locked (in id order, so that concurrent batches never deadlock). */
export async function lockPayments(trx: Transaction<Database>, ids: readonly string[]): Promise<Map<string, PaymentState>> {
  if (ids.length === 0) return new Map();
  const rows = await trx.selectFrom('payments').selectAll().where('id', 'in', [...new Set(ids)].sort()).orderBy('id').forUpdate().execute();
  return new Map(rows.map((row) => [row.id, toState(row as unknown as PaymentRow)]));
}

/**
 * The payments that gave `provider` these merchant references, row-locked in id order, in one
 * round trip (a callback's whole load is this and the ledger check). Keyed by referenceKey.
 * The references travel as arrays, whose length the planner sees (index lookups, never a scan).
 */
export async function lockPaymentsByReference(trx: Transaction<Database>, references: readonly { provider: string; reference: string }[]): Promise<Map<string, PaymentState>> {
  if (references.length === 0) return new Map();
  const { rows } = await sql<PaymentRow & { ref_provider: string; ref_reference: string }>`
    SELECT p.*, r.provider AS ref_provider, r.reference AS ref_reference
    FROM unnest(${references.map((r) => r.provider)}::text[], ${references.map((r) => r.reference)}::text[]) AS k(provider, reference)
    JOIN payment_references r ON r.provider = k.provider AND r.reference = k.reference
    JOIN payments p ON p.id = r.payment_id
    ORDER BY p.id
    FOR UPDATE OF p`.execute(trx);
  // One state per payment, whichever of its references found it.
  const states = new Map<string, PaymentState>();
  const found = new Map<string, PaymentState>();
  for (const row of rows) {
    const state = states.get(row.id) ?? toState(row);
    states.set(row.id, state);
    found.set(referenceKey(row.ref_provider, row.ref_reference), state);
  }
  return found;
}

export const referenceKey = (provider: string, reference: string) => `${provider}\u0000${reference}`;

const PAYMENT_COLUMNS: Column<PaymentState>[] = [
  { name: 'id', value: (p) => p.id },
  { name: 'agency_code', value: (p) => p.agencyCode },
  { name: 'owner_party_code', value: (p) => p.ownerPartyCode },
  { name: 'external_reference', value: (p) => p.externalReference },
  { name: 'dossier_code', value: (p) => p.request.dossierCode ?? null },
  { name: 'kind', value: (p) => p.request.kind },
  { name: 'amount', value: (p) => p.request.amount },
  { name: 'status', value: (p) => p.status },
  { name: 'document', value: (p) => p.request },
  { name: 'attempts', value: (p) => p.attempts },
  { name: 'refunds', value: (p) => p.refunds },
  { name: 'refunded_amount', value: (p) => p.refundedAmount },
  { name: 'expires_at', value: (p) => p.expiresAt },
  { name: 'paid_at', value: (p) => p.paidAt },
  { name: 'created_at', value: (p) => p.createdAt },
  { name: 'updated_at', value: (p) => p.updatedAt },
  { name: 'version', value: (p) => p.version },
];
const STATE_COLUMNS = PAYMENT_COLUMNS.filter((c) => ['status', 'attempts', 'refunds', 'refunded_amount', 'paid_at', 'updated_at', 'version'].includes(c.name));
const KEY = PAYMENT_COLUMNS.filter((c) => c.name === 'id');

export interface LedgerEntry {
  provider: string;
  eventKey: string;
  source: 'CALLBACK' | 'RETURN' | 'QUERY' | 'REFUND';
  paymentId: string | null;
  reference: string | null;
  verified: boolean;
  result: string | null;
  amount: number | null;
  providerTransactionId: string | null;
  outcome: string;
  raw: string;
  requestId: string;
  receivedAt: Date;
}

const LEDGER_COLUMNS: Column<LedgerEntry>[] = [
  { name: 'provider', value: (e) => e.provider },
  { name: 'event_key', value: (e) => e.eventKey },
  { name: 'source', value: (e) => e.source },
  { name: 'payment_id', value: (e) => e.paymentId },
  { name: 'reference', value: (e) => e.reference },
  { name: 'verified', value: (e) => e.verified },
  { name: 'result', value: (e) => e.result },
  { name: 'amount', value: (e) => e.amount },
  { name: 'provider_transaction_id', value: (e) => e.providerTransactionId },
  { name: 'outcome', value: (e) => e.outcome },
  { name: 'raw', value: (e) => e.raw },
  { name: 'request_id', value: (e) => e.requestId },
  { name: 'received_at', value: (e) => e.receivedAt },
];

interface NewReference {
  provider: string;
  reference: string;
  paymentId: string;
}
const REFERENCE_COLUMNS: Column<NewReference>[] = [
  { name: 'provider', value: (r) => r.provider },
  { name: 'reference', value: (r) => r.reference },
  { name: 'payment_id', value: (r) => r.paymentId },
];

/**
 * A batch's payment writes, for its one write statement: new payments, versioned updates
 * (a payment changed by another node since it was loaded fails the batch, which is retried),
 * new merchant references, and ledger entries (insert-if-absent: a replay adds nothing).
 */
export function paymentWrites(changes: { created: readonly PaymentState[]; changed: readonly PaymentState[]; references: readonly NewReference[]; ledger: readonly LedgerEntry[] }): BatchWrite[] {
  const writes: BatchWrite[] = [];
  if (changes.created.length) writes.push({ statement: insertRows('payments', PAYMENT_COLUMNS, changes.created) });
  if (changes.changed.length) {
    writes.push({
      statement: sql`
        UPDATE payments AS p SET ${sql.join(STATE_COLUMNS.map((c) => sql`${sql.ref(c.name)} = u.${sql.ref(c.name)}`))}
        FROM (${selectRows('payments', [...KEY, ...STATE_COLUMNS], changes.changed)}) AS u
        WHERE p.id = u.id AND p.version = u.version - 1`,
      expectedRows: changes.changed.length,
    });
  }
  if (changes.references.length) writes.push({ statement: insertRows('payment_references', REFERENCE_COLUMNS, changes.references) });
  if (changes.ledger.length) writes.push({ statement: sql`${insertRows('payment_events', LEDGER_COLUMNS, changes.ledger)} ON CONFLICT (provider, event_key) DO NOTHING` });
  return writes;
}

/** Open payments the sweeper should look at: pending ones not heard of for `quietMs`, and any past their expiry. */
export async function paymentsToSweep(db: Executor, now: Date, quietMs: number, limit: number): Promise<PaymentState[]> {
  const rows = await db
    .selectFrom('payments')
    .selectAll()
    .where('status', 'in', ['CREATED', 'PENDING', 'FAILED'])
    .where((eb) => eb.or([eb('updated_at', '<', new Date(now.getTime() - quietMs)), eb('expires_at', '<', now)]))
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((row) => toState(row as unknown as PaymentRow));
}

/** Payments with a refund their provider has not confirmed, not touched for `quietMs`. */
export async function paymentsWithPendingRefunds(db: Executor, now: Date, quietMs: number, limit: number): Promise<PaymentState[]> {
  const rows = await db
    .selectFrom('payments')
    .selectAll()
    .where(sql<boolean>`refunds @> '[{"status": "PENDING"}]'`)
    .where('updated_at', '<', new Date(now.getTime() - quietMs))
    .orderBy('updated_at')
    .limit(limit)
    .execute();
  return rows.map((row) => toState(row as unknown as PaymentRow));
}

/** The ledger's successful payments and refunds of one provider on one day (Vietnam time), for reconciliation. */
export async function settledOn(db: Executor, provider: string, date: string): Promise<{ reference: string; paymentId: string; providerTransactionId: string | null; amount: number; type: 'PAYMENT' | 'REFUND' }[]> {
  const { rows } = await sql<{ reference: string; payment_id: string; provider_transaction_id: string | null; amount: string; type: 'PAYMENT' | 'REFUND' }>`
    SELECT DISTINCT ON (e.reference, e.source = 'REFUND')
      e.reference, e.payment_id, e.provider_transaction_id, e.amount, CASE WHEN e.source = 'REFUND' THEN 'REFUND' ELSE 'PAYMENT' END AS type
    FROM payment_events e
    WHERE e.provider = ${provider} AND e.verified AND e.result = 'SUCCEEDED' AND e.outcome = 'ACCEPTED'
      AND e.received_at >= (${date}::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
      AND e.received_at < (${date}::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
    ORDER BY e.reference, e.source = 'REFUND', e.id`.execute(db);
  return rows.map((r) => ({ reference: r.reference, paymentId: r.payment_id, providerTransactionId: r.provider_transaction_id, amount: Number(r.amount), type: r.type }));
}
