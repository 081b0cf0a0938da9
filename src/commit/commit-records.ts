import { type RawBuilder, type Transaction, sql } from 'kysely';
import type { MessageRecord } from '../audit/message-log';
import type { Database } from '../db/schema';
import { type Column, insertRows } from '../db/unnest';
import type { OutboxEvent } from '../events/outbox';
import type { IdempotencyRecord } from './commit-pipeline';

/**
 * The end of every write transaction, in one statement: the batch's outbox events, its
 * Idempotency-Key answers and its message-log records. The sealer orders and chains them
 * once committed.
 */
const OUTBOX: Column<OutboxEvent>[] = [
  { name: 'event_id', type: 'uuid', value: (e) => e.cloudEvent.id },
  { name: 'aggregate_type', type: 'text', value: (e) => e.aggregateType },
  { name: 'aggregate_id', type: 'text', value: (e) => e.aggregateId },
  { name: 'agency_code', type: 'text', value: (e) => e.agencyCode },
  { name: 'event_type', type: 'text', value: (e) => e.cloudEvent.type },
  { name: 'payload', type: 'jsonb', value: (e) => e.cloudEvent },
];

export interface StoredAnswer extends IdempotencyRecord {
  status: number;
  response: unknown;
}

const IDEMPOTENCY: Column<StoredAnswer>[] = [
  { name: 'party_code', type: 'text', value: (r) => r.partyCode },
  { name: 'idem_key', type: 'text', value: (r) => r.key },
  { name: 'request_hash', type: 'text', value: (r) => r.requestHash },
  { name: 'status_code', type: 'smallint', value: (r) => r.status },
  // Wrapped, so that a JSON null or string answer survives the array round trip.
  { name: 'response', type: 'jsonb', value: (r) => ({ body: r.response }) },
];

const MESSAGE_LOG: Column<MessageRecord>[] = [
  { name: 'recorded_at', type: 'timestamptz', value: (r) => r.recordedAt },
  { name: 'party_code', type: 'text', value: (r) => r.partyCode },
  { name: 'client_id', type: 'text', value: (r) => r.clientId },
  { name: 'request_id', type: 'text', value: (r) => r.requestId },
  { name: 'method', type: 'text', value: (r) => r.method },
  { name: 'path', type: 'text', value: (r) => r.path },
  { name: 'body_sha256', type: 'text', value: (r) => r.bodySha256 },
  { name: 'status_code', type: 'smallint', value: (r) => r.statusCode },
  { name: 'outcome', type: 'text', value: (r) => r.outcome },
];

/**
 * Writes everything a batch changed in one statement: the handlers' own writes (each an
 * INSERT or UPDATE), then its outbox events, Idempotency-Key answers and message-log
 * records, as data-modifying CTEs. Empty parts are left out. Returns how many idempotency
 * records were stored (fewer than given means a concurrent request stored one first).
 */
export async function writeBatch(
  trx: Transaction<Database>,
  writes: readonly RawBuilder<unknown>[],
  records: { events: readonly OutboxEvent[]; idempotency: readonly StoredAnswer[]; messages: readonly MessageRecord[] },
): Promise<{ idempotencyRecords: number }> {
  const parts = [...writes];
  if (records.events.length) parts.push(insertRows('outbox', OUTBOX, records.events));
  if (records.messages.length) parts.push(insertRows('message_log', MESSAGE_LOG, records.messages));
  const ctes = parts.map((write, i) => sql`${sql.raw(`w${i}`)} AS (${write} RETURNING 1)`);
  if (records.idempotency.length) {
    ctes.push(sql`idempotency_rows AS (${insertRows('idempotency_keys', IDEMPOTENCY, records.idempotency)} ON CONFLICT (party_code, idem_key) DO NOTHING RETURNING 1)`);
  }
  if (ctes.length === 0) return { idempotencyRecords: 0 };
  const counted = records.idempotency.length ? sql`(SELECT count(*) FROM idempotency_rows)::int` : sql`0`;
  const result = await sql<{ idempotency_records: number }>`WITH ${sql.join(ctes)} SELECT ${counted} AS idempotency_records`.execute(trx);
  return { idempotencyRecords: Number(result.rows[0]?.idempotency_records ?? 0) };
}
