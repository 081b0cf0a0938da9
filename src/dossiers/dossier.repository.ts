import { type Kysely, type Transaction, sql } from 'kysely';
import type { BatchWrite } from '../commit/commit-pipeline';
import type { Database, DossierEventRow, DossierRow } from '../db/schema';
import { type Column, insertRows, selectRows } from '../db/json-rows';
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
    version: row.version,
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

/** A stored event as the batch load returns it (times as epoch milliseconds). */
interface LoadedEvent {
  statusCode: number;
  occurredAt: number;
  sequence: number | null;
  actor: Record<string, unknown> | null;
  note: string | null;
  dueAt: number | null;
  supplement: Record<string, unknown> | null;
  applied: boolean;
  refusalCode: string | null;
  recordedAt: number;
  bodyHash: string;
}

type LoadedEntry = TimelineEntry & { bodyHash: string };

export interface LoadedDossier {
  state: DossierState;
  /** The whole timeline, when asked for. */
  timeline: LoadedEntry[] | null;
  /** The events stored under the sequences the batch carries for this dossier. */
  prior: LoadedEntry[];
}

const epochMs = (column: string) => sql`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;
const eventJson = sql`json_build_object(
  'statusCode', e.status_code, 'occurredAt', ${epochMs('e.occurred_at')}, 'sequence', e.sequence, 'actor', e.actor,
  'note', e.note, 'dueAt', ${epochMs('e.due_at')}, 'supplement', e.supplement, 'applied', e.applied,
  'refusalCode', e.refusal_code, 'recordedAt', ${epochMs('e.recorded_at')}, 'bodyHash', e.body_hash)`;

/**
 * Loads a batch's dossiers, each with the events the batch needs, in one query: the whole
 * timeline of `timelineCodes` only, and the events stored under the (dossier, sequence)
 * pairs the batch carries (an index lookup, to recognise replays). A dossier's history is
 * never scanned when the batch does not need it. No row locks: within a hub process no two
 * batches touch one dossier, and the writes check each dossier's version against other nodes.
 */
export async function loadForBatch(
  trx: Transaction<Database>,
  codes: readonly string[],
  timelineCodes: readonly string[],
  sequenced: readonly { code: string; sequence: number }[],
): Promise<Map<string, LoadedDossier>> {
  if (codes.length === 0) return new Map();
  const { rows } = await sql<DossierRow & { timeline: LoadedEvent[] | null; prior: LoadedEvent[] | null }>`
    SELECT d.*,
      CASE WHEN d.code = ANY(${[...timelineCodes]}::text[]) THEN (
        SELECT json_agg(${eventJson} ORDER BY e.occurred_at, e.id) FROM dossier_events AS e WHERE e.dossier_code = d.code
      ) END AS timeline,
      (
        SELECT json_agg(${eventJson})
        FROM unnest(${sequenced.map((s) => s.code)}::text[], ${sequenced.map((s) => s.sequence)}::bigint[]) AS p (code, sequence)
        JOIN dossier_events AS e ON e.dossier_code = p.code AND e.sequence = p.sequence
        WHERE p.code = d.code
      ) AS prior
    FROM dossiers AS d WHERE d.code = ANY(${[...codes]}::text[])`.execute(trx);
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  const entries = (events: LoadedEvent[] | null) =>
    (events ?? []).map((e) => ({ ...e, occurredAt: new Date(e.occurredAt), dueAt: date(e.dueAt), recordedAt: new Date(e.recordedAt) }));
  return new Map(rows.map(({ timeline, prior, ...row }) => [row.code, { state: toState(row), timeline: timeline && entries(timeline), prior: entries(prior) }]));
}

export interface NewTimelineEntry extends TimelineEntry {
  dossierCode: string;
  agencyCode: string;
  bodyHash: string;
  partyCode: string;
  requestId: string;
}

const DOSSIER_COLUMNS: Column<DossierState>[] = [
  { name: 'code', value: (s) => s.code },
  { name: 'agency_code', value: (s) => s.agencyCode },
  { name: 'procedure_code', value: (s) => s.procedureCode },
  { name: 'channel', value: (s) => s.channel },
  { name: 'status_code', value: (s) => s.statusCode },
  { name: 'received_at', value: (s) => s.receivedAt },
  { name: 'due_at', value: (s) => s.dueAt },
  { name: 'finished_at', value: (s) => s.finishedAt },
  { name: 'last_sequence', value: (s) => s.lastSequence },
  { name: 'last_occurred_at', value: (s) => s.lastOccurredAt },
  { name: 'header', value: (s) => s.header },
  { name: 'header_hash', value: (s) => s.headerHash },
  { name: 'result', value: (s) => s.result },
  { name: 'result_synced_at', value: (s) => s.resultSyncedAt },
  { name: 'owner_party_code', value: (s) => s.ownerPartyCode },
  { name: 'created_at', value: (s) => s.createdAt },
  { name: 'updated_at', value: (s) => s.updatedAt },
  { name: 'version', value: (s) => s.version },
];
/** What a header change may rewrite: not the code, owner or creation time. */
const HEADER_UPDATE = DOSSIER_COLUMNS.filter((c) => !['code', 'owner_party_code', 'created_at'].includes(c.name));
/** What status events and results change: the header stays as it is (and does not travel). */
const STATE_UPDATE = DOSSIER_COLUMNS.filter((c) =>
  ['status_code', 'due_at', 'finished_at', 'last_sequence', 'last_occurred_at', 'result', 'result_synced_at', 'updated_at', 'version'].includes(c.name),
);
const KEY = DOSSIER_COLUMNS.filter((c) => c.name === 'code');

/** An UPDATE of `columns` where each dossier still has the version the batch loaded (and bumps it). */
function versionedUpdate(columns: readonly Column<DossierState>[], states: readonly DossierState[]): BatchWrite {
  const sent = [...KEY, ...columns];
  return {
    statement: sql`
      UPDATE dossiers AS d SET ${sql.join(columns.map((c) => sql`${sql.ref(c.name)} = u.${sql.ref(c.name)}`))}
      FROM (${selectRows('dossiers', sent, states)}) AS u
      WHERE d.code = u.code AND d.version = u.version - 1`,
    expectedRows: states.length,
  };
}

const EVENT_COLUMNS: Column<NewTimelineEntry>[] = [
  { name: 'dossier_code', value: (e) => e.dossierCode },
  { name: 'agency_code', value: (e) => e.agencyCode },
  { name: 'sequence', value: (e) => e.sequence },
  { name: 'status_code', value: (e) => e.statusCode },
  { name: 'occurred_at', value: (e) => e.occurredAt },
  { name: 'recorded_at', value: (e) => e.recordedAt },
  { name: 'actor', value: (e) => e.actor },
  { name: 'note', value: (e) => e.note },
  { name: 'due_at', value: (e) => e.dueAt },
  { name: 'supplement', value: (e) => e.supplement },
  { name: 'applied', value: (e) => e.applied },
  { name: 'refusal_code', value: (e) => e.refusalCode },
  { name: 'body_hash', value: (e) => e.bodyHash },
  { name: 'party_code', value: (e) => e.partyCode },
  { name: 'request_id', value: (e) => e.requestId },
];

/**
 * A batch's dossier writes, for the batch's one write statement. New dossiers are plain
 * INSERTs: if another transaction created the same dossier meanwhile, the unique key fails
 * the batch. An update applies only where the row still has the version this batch loaded
 * (and bumps it); the pipeline checks every update landed. Either way a conflict fails the
 * batch, and the pipeline retries its jobs one by one on fresh state: nothing is overwritten.
 */
export function dossierWrites(changes: {
  created: readonly DossierState[];
  headerChanged: readonly DossierState[];
  stateChanged: readonly DossierState[];
  events: readonly NewTimelineEntry[];
}): BatchWrite[] {
  const writes: BatchWrite[] = [];
  if (changes.created.length) writes.push({ statement: insertRows('dossiers', DOSSIER_COLUMNS, changes.created) });
  if (changes.headerChanged.length) writes.push(versionedUpdate(HEADER_UPDATE, changes.headerChanged));
  if (changes.stateChanged.length) writes.push(versionedUpdate(STATE_UPDATE, changes.stateChanged));
  if (changes.events.length) writes.push({ statement: insertRows('dossier_events', EVENT_COLUMNS, changes.events) });
  return writes;
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
