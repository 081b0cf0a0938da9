import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

/**
 * The message log: one record per inbound message, each record's hash covering the
 * previous record's hash, so that removing, reordering or editing any record breaks the
 * chain from there on (as in X-Road's message log). `npm run audit:verify` recomputes it.
 */
export interface MessageRecord {
  recordedAt: Date;
  partyCode: string | null;
  clientId: string | null;
  requestId: string;
  method: string;
  path: string;
  bodySha256: string | null;
  statusCode: number;
  /** `OK`, or the error code the request was refused with. */
  outcome: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function recordHash(prevHash: string, seq: number, r: MessageRecord): string {
  const canonical = JSON.stringify([
    seq,
    prevHash,
    r.recordedAt.toISOString(),
    r.partyCode,
    r.clientId,
    r.requestId,
    r.method,
    r.path,
    r.bodySha256,
    r.statusCode,
    r.outcome,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Locks the chain head for the rest of the transaction. Every transaction that writes the
 * outbox or the message log takes this lock first, so such transactions commit one after
 * another, in the order their outbox ids were drawn: outbox id order is commit order.
 */
export async function lockCommitOrder(trx: Transaction<Database>): Promise<ChainHead> {
  const head = await trx.selectFrom('message_log_head').select(['seq', 'hash']).where('id', '=', 1).forUpdate().executeTakeFirstOrThrow();
  return { seq: Number(head.seq), hash: head.hash };
}

/** Appends records after `head` (which the transaction holds locked) and moves the head. */
export async function appendToChain(trx: Transaction<Database>, head: ChainHead, records: readonly MessageRecord[]): Promise<ChainHead> {
  if (records.length === 0) return head;
  let { seq, hash } = head;
  const rows = records.map((r) => {
    seq += 1;
    const prevHash = hash;
    hash = recordHash(prevHash, seq, r);
    return {
      seq,
      recorded_at: r.recordedAt,
      party_code: r.partyCode,
      client_id: r.clientId,
      request_id: r.requestId,
      method: r.method,
      path: r.path,
      body_sha256: r.bodySha256,
      status_code: r.statusCode,
      outcome: r.outcome,
      prev_hash: prevHash,
      hash,
    };
  });
  await trx.insertInto('message_log').values(rows).execute();
  await trx.updateTable('message_log_head').set({ seq, hash }).where('id', '=', 1).execute();
  return { seq, hash };
}

export type ChainVerdict =
  | { ok: true; records: number; headHash: string }
  | { ok: false; records: number; brokenSeq: number; reason: string };

/** Recomputes the whole chain, page by page, and names the first record that does not fit. */
export async function verifyChain(db: Kysely<Database>, pageSize = 5000): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  for (;;) {
    const page = await db.selectFrom('message_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(pageSize).execute();
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return { ok: false, records, brokenSeq: expectedSeq, reason: `record ${expectedSeq} is missing (next is ${seq})` };
      if (row.prev_hash !== prevHash) return { ok: false, records, brokenSeq: seq, reason: 'prev_hash does not match the previous record' };
      const hash = recordHash(prevHash, seq, {
        recordedAt: row.recorded_at,
        partyCode: row.party_code,
        clientId: row.client_id,
        requestId: row.request_id,
        method: row.method,
        path: row.path,
        bodySha256: row.body_sha256,
        statusCode: row.status_code,
        outcome: row.outcome,
      });
      if (hash !== row.hash) return { ok: false, records, brokenSeq: seq, reason: 'content does not match its hash (record altered)' };
      prevHash = hash;
      expectedSeq += 1;
      records += 1;
    }
    if (page.length < pageSize) break;
  }
  const head = await db.selectFrom('message_log_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
  if (Number(head.seq) !== records || head.hash !== prevHash) {
    return { ok: false, records, brokenSeq: records + 1, reason: `the chain head (seq ${head.seq}) does not match the last record (seq ${records}): records were removed from the end` };
  }
  return { ok: true, records, headHash: prevHash };
}
