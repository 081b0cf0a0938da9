import { createHash } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, MessageLogTable } from '../db/schema';

/**
 * The message log: one record per inbound message, written in the transaction that
 * handles the message. The sealer then chains committed records: each record's hash
 * covers the previous record's hash, so that removing, reordering or editing a sealed
 * record breaks the chain from there on (as in X-Road's message log).
 * `npm run audit:verify` recomputes the chain.
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

/** Chains `records` after `head`: their rows, and the new head. */
export function chainRecords(head: ChainHead, records: readonly MessageRecord[]): { rows: ChainedRecord[]; head: ChainHead } {
  let { seq, hash } = head;
  const rows = records.map((record) => {
    seq += 1;
    const prevHash = hash;
    hash = recordHash(prevHash, seq, record);
    return { ...record, seq, prevHash, hash };
  });
  return { rows, head: { seq, hash } };
}

export interface ChainedRecord extends MessageRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

export function toMessageRecord(row: Selectable<MessageLogTable>): MessageRecord {
  return {
    recordedAt: row.recorded_at,
    partyCode: row.party_code,
    clientId: row.client_id,
    requestId: row.request_id,
    method: row.method,
    path: row.path,
    bodySha256: row.body_sha256,
    statusCode: row.status_code,
    outcome: row.outcome,
  };
}

export type ChainVerdict =
  | { ok: true; records: number; headHash: string; unsealed: number }
  | { ok: false; records: number; brokenSeq: number; recordId?: number; reason: string };

/**
 * Recomputes the whole chain, seal by seal, and names the first record (chain number and
 * row id) that does not fit: altered, missing, or not in the chain although it is older
 * than the sealed horizon (inserted afterwards).
 */
export async function verifyChain(db: Kysely<Database>): Promise<ChainVerdict> {
  let number = 0;
  let prevHash = GENESIS_HASH;
  let lastSeal = 0;
  for (;;) {
    const seals = await db.selectFrom('message_log_seals').selectAll().where('seal', '>', lastSeal).orderBy('seal').limit(100).execute();
    for (const seal of seals) {
      lastSeal = Number(seal.seal);
      if (Number(seal.first_number) !== number + 1) {
        return { ok: false, records: number, brokenSeq: number + 1, reason: `seal ${seal.seal} starts at record ${seal.first_number}: records are missing before it` };
      }
      const ids = seal.record_ids.map(Number);
      const rows = await db.selectFrom('message_log').selectAll().where('id', 'in', ids).execute();
      const byId = new Map(rows.map((r) => [Number(r.id), r]));
      for (const [i, id] of ids.entries()) {
        const row = byId.get(id);
        if (!row) return { ok: false, records: number, brokenSeq: number + 1, recordId: id, reason: `record ${number + 1} (id ${id}) is missing` };
        const hash = recordHash(prevHash, number + 1, toMessageRecord(row));
        if (hash !== seal.record_hashes[i]) {
          return { ok: false, records: number, brokenSeq: number + 1, recordId: id, reason: `record ${number + 1} (id ${id}): content does not match its hash (record altered)` };
        }
        prevHash = hash;
        number += 1;
      }
    }
    if (seals.length < 100) break;
  }
  const head = await db.selectFrom('seal_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  if (Number(head.log_number) !== number || head.log_hash !== prevHash) {
    return { ok: false, records: number, brokenSeq: number + 1, reason: `the chain head (record ${head.log_number}) does not match the last sealed record (${number}): seals were removed from the end` };
  }
  const below = sql<boolean>`txid < ${head.horizon}::xid8`;
  const covered = await db.selectFrom('message_log').select((eb) => eb.fn.countAll<number>().as('n')).where(below).executeTakeFirstOrThrow();
  if (Number(covered.n) !== number) {
    return { ok: false, records: number, brokenSeq: number + 1, reason: `${Number(covered.n) - number} record(s) older than the sealed horizon are not in the chain (inserted afterwards)` };
  }
  const unsealed = await db.selectFrom('message_log').select((eb) => eb.fn.countAll<number>().as('n')).where(sql<boolean>`NOT (${below})`).executeTakeFirstOrThrow();
  return { ok: true, records: number, headHash: prevHash, unsealed: Number(unsealed.n) };
}
