import { type Kysely, sql } from 'kysely';
import type { MessageRecord } from '../audit/message-log';
import type { Database } from '../db/schema';
import { type Column, insertRows } from '../db/json-rows';
import type { OutboxEvent } from '../events/outbox';
import { type BatchWrite, ConcurrentChangeError, type IdempotencyRecord } from './commit-pipeline';

/**
 * The end of every write transaction, in one statement: the batch's outbox events, its
 * Idempotency-Key answers and its message-log records. The sealer orders and chains them
 * once committed.
 */
const OUTBOX: Column<OutboxEvent>[] = [
  { name: 'event_id', value: (e) => e.cloudEvent.id },
  { name: 'aggregate_type', value: (e) => e.aggregateType },
  { name: 'aggregate_id', value: (e) => e.aggregateId },
  { name: 'agency_code', value: (e) => e.agencyCode },
  { name: 'event_type', value: (e) => e.cloudEvent.type },
  { name: 'payload', value: (e) => e.cloudEvent },
];

export interface StoredAnswer extends IdempotencyRecord {
  status: number;
  response: unknown;
}

const IDEMPOTENCY: Column<StoredAnswer>[] = [
  { name: 'party_code', value: (r) => r.partyCode },
  { name: 'idem_key', value: (r) => r.key },
  { name: 'request_hash', value: (r) => r.requestHash },
  { name: 'status_code', value: (r) => r.status },
  // Wrapped, so that an answer without a body is not read back as SQL NULL.
  { name: 'response', value: (r) => ({ body: r.response }) },
];

const MESSAGE_LOG: Column<MessageRecord>[] = [
  { name: 'recorded_at', value: (r) => r.recordedAt },
  { name: 'party_code', value: (r) => r.partyCode },
  { name: 'client_id', value: (r) => r.clientId },
  { name: 'request_id', value: (r) => r.requestId },
  { name: 'method', value: (r) => r.method },
  { name: 'path', value: (r) => r.path },
  { name: 'body_sha256', value: (r) => r.bodySha256 },
  { name: 'status_code', value: (r) => r.statusCode },
  { name: 'outcome', value: (r) => r.outcome },
];

/**
 * Writes everything a batch changed in one statement: the handlers' own writes, then its
 * outbox events, Idempotency-Key answers and message-log records, as data-modifying CTEs.
 * Empty parts are left out. Throws ConcurrentChangeError when a write changed fewer rows
 * than it expected, and returns how many idempotency records were stored (fewer than given
 * means a concurrent request stored one first). `db` is the batch's transaction, or the
 * database itself for a batch of message-log records alone.
 */
export async function writeBatch(
  db: Kysely<Database>,
  writes: readonly BatchWrite[],
  records: { events: readonly OutboxEvent[]; idempotency: readonly StoredAnswer[]; messages: readonly MessageRecord[] },
): Promise<{ idempotencyRecords: number }> {
  /** Each part becomes CTE `w<i>`; `counted` parts report how many rows they changed. */
  const parts: (BatchWrite & { counted: boolean })[] = writes.map((w) => ({ ...w, counted: w.expectedRows !== undefined }));
  if (records.events.length) parts.push({ statement: insertRows('outbox', OUTBOX, records.events), counted: false });
  if (records.messages.length) parts.push({ statement: insertRows('message_log', MESSAGE_LOG, records.messages), counted: false });
  const idempotencyPart = records.idempotency.length ? parts.length : undefined;
  if (idempotencyPart !== undefined) {
    parts.push({ statement: sql`${insertRows('idempotency_keys', IDEMPOTENCY, records.idempotency)} ON CONFLICT (party_code, idem_key) DO NOTHING`, counted: true });
  }
  if (parts.length === 0) return { idempotencyRecords: 0 };

  const cte = (i: number) => sql.raw(`w${i}`);
  const counts = parts.flatMap((part, i) => (part.counted ? [sql`(SELECT count(*) FROM ${cte(i)})::int AS ${cte(i)}`] : []));
  const result = await sql<Record<string, number>>`
    WITH ${sql.join(parts.map((part, i) => sql`${cte(i)} AS (${part.statement} RETURNING 1)`))}
    SELECT ${counts.length ? sql.join(counts) : sql`0 AS nothing_counted`}`.execute(db);
  const changed = (i: number) => Number(result.rows[0]?.[`w${i}`] ?? 0);
  for (const [i, part] of parts.entries()) {
    if (part.expectedRows !== undefined && changed(i) !== part.expectedRows) {
      throw new ConcurrentChangeError(`another hub node changed ${part.expectedRows - changed(i)} row(s) this batch had loaded`);
    }
  }
  return { idempotencyRecords: idempotencyPart === undefined ? 0 : changed(idempotencyPart) };
}
