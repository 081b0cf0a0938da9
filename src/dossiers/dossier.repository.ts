import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, DossierEventRow, DossierRow } from '../db/schema';
import type { Jurisdiction } from '../parties/jurisdiction';
import type { DossierState, TimelineEntry } from './dossier-model';
import type { Channel } from './statuses';

/** Dossier persistence: plain functions of (db or trx, ...); the caller owns the transaction. */

type Executor = Kysely<Database> | Transaction<Database>;

function toState(row: DossierRow): DossierState {
  return {
    code: row.code,
    agencyCode: row.agency_code,
    procedureCode: row.procedure_code,
    channel: row.channel as Channel,
    statusCode: row.status_code,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    finishedAt: row.finished_at,
    lastSequence: row.last_sequence === null ? null : Number(row.last_sequence),
    lastOccurredAt: row.last_occurred_at,
    header: row.header,
    headerHash: row.header_hash,
    result: row.result,
    resultSyncedAt: row.result_synced_at,
    ownerPartyCode: row.owner_party_code,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    timeline: undefined,
  };
}

export function toTimelineEntry(row: DossierEventRow): TimelineEntry {
  return {
    statusCode: row.status_code,
    occurredAt: row.occurred_at,
    sequence: row.sequence === null ? null : Number(row.sequence),
    actor: row.actor,
    note: row.note,
    dueAt: row.due_at,
    supplement: row.supplement,
    applied: row.applied,
    refusalCode: row.refusal_code,
    recordedAt: row.recorded_at,
  };
}

/** Loads and row-locks the dossiers of a batch. */
export async function loadDossiersForUpdate(trx: Transaction<Database>, codes: readonly string[]): Promise<Map<string, DossierState>> {
  if (codes.length === 0) return new Map();
  const rows = await trx.selectFrom('dossiers').selectAll().where('code', 'in', codes).forUpdate().execute();
  return new Map(rows.map((row) => [row.code, toState(row)]));
}

/**
 * Loads, in one query, the whole timeline of `timelineCodes` and the events already
 * stored under the (dossier, sequence) pairs a batch carries (to recognise replays).
 */
export async function loadEvents(
  trx: Transaction<Database>,
  timelineCodes: readonly string[],
  sequenced: readonly { code: string; sequence: number }[],
): Promise<DossierEventRow[]> {
  if (timelineCodes.length === 0 && sequenced.length === 0) return [];
  return trx
    .selectFrom('dossier_events')
    .selectAll()
    .where((eb) => {
      const conditions = [];
      if (timelineCodes.length > 0) conditions.push(eb('dossier_code', 'in', timelineCodes));
      if (sequenced.length > 0) {
        conditions.push(
          sql<boolean>`(dossier_code, sequence) IN (SELECT * FROM unnest(${sequenced.map((s) => s.code)}::text[], ${sequenced.map((s) => s.sequence)}::bigint[]))`,
        );
      }
      return eb.or(conditions);
    })
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export async function saveDossiers(trx: Transaction<Database>, states: readonly DossierState[]): Promise<void> {
  if (states.length === 0) return;
  await trx
    .insertInto('dossiers')
    .values(
      states.map((s) => ({
        code: s.code,
        agency_code: s.agencyCode,
        procedure_code: s.procedureCode,
        channel: s.channel,
        status_code: s.statusCode,
        received_at: s.receivedAt,
        due_at: s.dueAt,
        finished_at: s.finishedAt,
        last_sequence: s.lastSequence,
        last_occurred_at: s.lastOccurredAt,
        header: JSON.stringify(s.header),
        header_hash: s.headerHash,
        result: s.result === null ? null : JSON.stringify(s.result),
        result_synced_at: s.resultSyncedAt,
        owner_party_code: s.ownerPartyCode,
        updated_at: s.updatedAt,
      })),
    )
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({
        agency_code: eb.ref('excluded.agency_code'),
        procedure_code: eb.ref('excluded.procedure_code'),
        channel: eb.ref('excluded.channel'),
        status_code: eb.ref('excluded.status_code'),
        received_at: eb.ref('excluded.received_at'),
        due_at: eb.ref('excluded.due_at'),
        finished_at: eb.ref('excluded.finished_at'),
        last_sequence: eb.ref('excluded.last_sequence'),
        last_occurred_at: eb.ref('excluded.last_occurred_at'),
        header: eb.ref('excluded.header'),
        header_hash: eb.ref('excluded.header_hash'),
        result: eb.ref('excluded.result'),
        result_synced_at: eb.ref('excluded.result_synced_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export interface NewTimelineEntry extends TimelineEntry {
  dossierCode: string;
  agencyCode: string;
  bodyHash: string;
  partyCode: string;
  requestId: string;
}

export async function insertEvents(trx: Transaction<Database>, entries: readonly NewTimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto('dossier_events')
    .values(
      entries.map((e) => ({
        dossier_code: e.dossierCode,
        agency_code: e.agencyCode,
        sequence: e.sequence,
        status_code: e.statusCode,
        occurred_at: e.occurredAt,
        recorded_at: e.recordedAt,
        actor: e.actor === null ? null : JSON.stringify(e.actor),
        note: e.note,
        due_at: e.dueAt,
        supplement: e.supplement === null ? null : JSON.stringify(e.supplement),
        applied: e.applied,
        refusal_code: e.refusalCode,
        body_hash: e.bodyHash,
        party_code: e.partyCode,
        request_id: e.requestId,
      })),
    )
    .execute();
}

/** One dossier with its whole timeline, for reading. */
export async function findDossier(db: Executor, code: string): Promise<DossierState | undefined> {
  const row = await db.selectFrom('dossiers').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) return undefined;
  const events = await db.selectFrom('dossier_events').selectAll().where('dossier_code', '=', code).orderBy('occurred_at').orderBy('id').execute();
  return { ...toState(row), timeline: events.map(toTimelineEntry) };
}

export interface DossierFilters {
  agencyCode?: string;
  statusCode?: number;
  receivedFrom?: Date;
  receivedTo?: Date;
  overdue?: boolean;
}

/** Keyset position in the newest-first listing. */
export interface ListPosition {
  receivedAt: Date;
  code: string;
}

export async function listDossiers(
  db: Executor,
  jurisdiction: Jurisdiction,
  filters: DossierFilters,
  after: ListPosition | undefined,
  limit: number,
  now: Date,
): Promise<DossierState[]> {
  let query = db.selectFrom('dossiers').selectAll();
  if (!jurisdiction.coversEverything) {
    const { exact, likeSuffixes } = jurisdiction.toSqlFilter();
    query = query.where((eb) =>
      eb.or([
        ...(exact.length ? [eb('agency_code', 'in', exact)] : []),
        ...likeSuffixes.map((pattern) => eb('agency_code', 'like', pattern)),
      ]),
    );
  }
  if (filters.agencyCode) query = query.where('agency_code', '=', filters.agencyCode);
  if (filters.statusCode !== undefined) query = query.where('status_code', '=', filters.statusCode);
  if (filters.receivedFrom) query = query.where('received_at', '>=', filters.receivedFrom);
  if (filters.receivedTo) query = query.where('received_at', '<', filters.receivedTo);
  if (filters.overdue !== undefined) {
    const overdue = sql<boolean>`(due_at IS NOT NULL AND coalesce(finished_at, ${now}) > due_at)`;
    query = query.where(filters.overdue ? overdue : sql<boolean>`NOT ${overdue}`);
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('received_at', '<', after.receivedAt), eb.and([eb('received_at', '=', after.receivedAt), eb('code', '<', after.code)])]),
    );
  }
  const rows = await query.orderBy('received_at', 'desc').orderBy('code', 'desc').limit(limit).execute();
  return rows.map(toState);
}
