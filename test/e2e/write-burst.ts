import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/schema';
import type { HubProcess } from '../support/process';
import { dossierHeader } from '../support/test-hub';

/**
 * A burst of concurrent dossier hand-overs against a real hub process, interrupted by a
 * signal (SIGKILL: crash; SIGTERM: graceful stop), and the checks of what the database holds
 * afterwards. Shared by crash.test.ts and server.test.ts.
 */

export const STATUS_CHANGED = 'vn.gov.dvc.dossier.status_changed.v1';
const HOUR = 3_600_000;
/** Event times are in the past (the hub refuses future ones) and grow with the sequence. */
const eventsStartAt = Date.now() - 12 * HOUR;

export const dossierCode = (i: number) => `000.00.00.H26-261124-${String(i + 1).padStart(4, '0')}`;

export const eventBody = (status: string, sequence: number) => ({
  status,
  sequence,
  occurredAt: new Date(eventsStartAt + sequence * 1000).toISOString(),
  actor: { name: 'Nguyễn Văn An', unit: `unit-${sequence % 7}` },
  note: `hand-over ${sequence}`,
});

async function mapConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Creates the dossiers and moves each to PROCESSING (sequences 1 and 2); the burst continues at 3. */
export async function prepareDossiers(hub: HubProcess, token: string, count: number): Promise<string[]> {
  const codes = Array.from({ length: count }, (_, i) => dossierCode(i));
  const now = Date.now();
  await mapConcurrently(codes, 16, async (code) => {
    const put = await hub.request('PUT', `/v1/dossiers/${code}`, {
      token,
      body: dossierHeader('000.00.00.H26', { receivedAt: new Date(now - 24 * HOUR).toISOString(), dueAt: new Date(now + 72 * HOUR).toISOString() }),
    });
    if (put.status !== 201) throw new Error(`PUT ${code}: ${put.status} ${put.text}`);
    for (const [status, sequence] of [['RECEIVED', 1], ['PROCESSING', 2]] as const) {
      const answer = await hub.request('POST', `/v1/dossiers/${code}/events`, { token, body: eventBody(status, sequence) });
      if (answer.status !== 201) throw new Error(`${status} of ${code}: ${answer.status} ${answer.text}`);
    }
  });
  return codes;
}

export const FIRST_BURST_SEQUENCE = 3;
/** After the interruption a hub must stop acknowledging within this time. */
const STILL_ANSWERING_MS = 20_000;

export interface SentEvent {
  code: string;
  sequence: number;
  requestId: string;
}

export interface BurstOutcome {
  /** Answered 201. */
  acknowledged: SentEvent[];
  /** Answered with another status after the interruption (e.g. 503 while shutting down). */
  refusedAfterInterrupt: (SentEvent & { status: number })[];
  /** No answer (connection reset or refused) after the interruption. */
  unanswered: SentEvent[];
  /** Anything else: a non-201 answer or a failed request before the interruption. Each is a bug. */
  unexpected: string[];
  /** Whether an acknowledgment triggered the interruption (rather than the fallback timer). */
  interruptedByAcknowledgment: boolean;
}

/**
 * `loops` concurrent loops, each owning its dossiers (loop k: dossiers k, k + loops, ...), so
 * one dossier's hand-overs go out one at a time with increasing sequences. After `armAfterMs`
 * the next acknowledgment calls `interrupt` at once: right after an answer is the moment an
 * answer given before its commit would be lost. `keepSending`: after the interruption, the
 * loops go on until they get no 201 (graceful stop); otherwise they stop sending (crash).
 */
export async function runBurst(options: {
  hub: HubProcess;
  token: string;
  codes: readonly string[];
  loops: number;
  requestIdPrefix: string;
  armAfterMs: number;
  interrupt: () => void;
  keepSending: boolean;
}): Promise<BurstOutcome> {
  const { hub, token, codes, loops } = options;
  const outcome: BurstOutcome = { acknowledged: [], refusedAfterInterrupt: [], unanswered: [], unexpected: [], interruptedByAcknowledgment: false };
  let armed = false;
  let interrupted = false;
  let interruptedAt = 0;
  const interrupt = (byAcknowledgment: boolean) => {
    if (interrupted) return;
    interrupted = true;
    interruptedAt = Date.now();
    outcome.interruptedByAcknowledgment = byAcknowledgment;
    options.interrupt();
  };
  const nextSequence = new Map(codes.map((code) => [code, FIRST_BURST_SEQUENCE]));
  const running = Array.from({ length: loops }, async (_, loop) => {
    const own = codes.filter((_, i) => i % loops === loop);
    for (let round = 0; options.keepSending || !interrupted; round++) {
      const code = own[round % own.length]!;
      const sequence = nextSequence.get(code)!;
      const sent: SentEvent = { code, sequence, requestId: `${options.requestIdPrefix}-${code}-${sequence}` };
      if (interrupted && Date.now() - interruptedAt > STILL_ANSWERING_MS) {
        outcome.unexpected.push(`${sent.requestId}: the hub still acknowledged writes ${STILL_ANSWERING_MS} ms after the interruption`);
        return;
      }
      try {
        const answer = await hub.request('POST', `/v1/dossiers/${code}/events`, { token, body: eventBody('PROCESSING', sequence), headers: { 'x-request-id': sent.requestId } });
        if (answer.status === 201) {
          outcome.acknowledged.push(sent);
          nextSequence.set(code, sequence + 1);
          if (armed) interrupt(true);
          continue;
        }
        if (interrupted) outcome.refusedAfterInterrupt.push({ ...sent, status: answer.status });
        else outcome.unexpected.push(`${sent.requestId}: ${answer.status} ${answer.text}`);
      } catch (error) {
        if (interrupted) outcome.unanswered.push(sent);
        else outcome.unexpected.push(`${sent.requestId}: ${(error as Error).message} (before the interruption)`);
      }
      return;
    }
  });
  await sleep(options.armAfterMs);
  armed = true;
  // Should no answer come any more, interrupt anyway (the checks then report the stall).
  const fallback = setTimeout(() => interrupt(false), 5_000);
  await Promise.all(running);
  clearTimeout(fallback);
  interrupt(false);
  return outcome;
}

const key = (code: string, sequence: number | string | null) => `${code}#${sequence === null ? 'none' : Number(sequence)}`;

/** Acknowledged events missing from the applied history, the outbox or the message log. */
export async function missingAcknowledged(db: Kysely<Database>, acknowledged: readonly SentEvent[]): Promise<{ history: string[]; outbox: string[]; messageLog: string[] }> {
  const applied = new Set((await db.selectFrom('dossier_events').select(['dossier_code', 'sequence']).where('applied', '=', true).execute()).map((r) => key(r.dossier_code, r.sequence)));
  const published = new Set(
    (
      await db
        .selectFrom('outbox')
        .select(['aggregate_id', sql<string | null>`payload->'data'->>'sequence'`.as('sequence')])
        .where('event_type', '=', STATUS_CHANGED)
        .execute()
    ).map((r) => key(r.aggregate_id, r.sequence)),
  );
  const ids = acknowledged.map((a) => a.requestId);
  const logged = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.selectFrom('message_log').select(['request_id', 'status_code']).where('request_id', 'in', ids.slice(i, i + 1000)).execute();
    for (const row of rows) logged.set(row.request_id, row.status_code);
  }
  return {
    history: acknowledged.filter((a) => !applied.has(key(a.code, a.sequence))).map((a) => a.requestId),
    outbox: acknowledged.filter((a) => !published.has(key(a.code, a.sequence))).map((a) => a.requestId),
    messageLog: acknowledged.filter((a) => logged.get(a.requestId) !== 201).map((a) => `${a.requestId}: ${logged.get(a.requestId) ?? 'no record'}`),
  };
}

/** History rows of the burst that were neither acknowledged nor possibly in flight. */
export async function unexplainedHistory(db: Kysely<Database>, possible: readonly SentEvent[]): Promise<string[]> {
  const rows = await db.selectFrom('dossier_events').select(['dossier_code', 'sequence', 'applied', 'request_id']).where('sequence', '>=', FIRST_BURST_SEQUENCE).execute();
  const allowed = new Set(possible.map((p) => key(p.code, p.sequence)));
  return rows
    .filter((r) => !r.applied || !allowed.has(key(r.dossier_code, r.sequence)))
    .map((r) => `${key(r.dossier_code, r.sequence)} (${r.applied ? 'applied' : 'refused'}, request ${r.request_id})`);
}

/** Applied history rows and status_changed outbox events that do not pair one to one. */
export async function unpairedHistoryAndOutbox(db: Kysely<Database>): Promise<string[]> {
  const history = await db.selectFrom('dossier_events').select(['dossier_code', 'sequence']).where('applied', '=', true).execute();
  const outbox = await db
    .selectFrom('outbox')
    .select(['aggregate_id', sql<string | null>`payload->'data'->>'sequence'`.as('sequence')])
    .where('event_type', '=', STATUS_CHANGED)
    .execute();
  const count = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const historyCounts = count(history.map((r) => key(r.dossier_code, r.sequence)));
  const outboxCounts = count(outbox.map((r) => key(r.aggregate_id, r.sequence)));
  return [...new Set([...historyCounts.keys(), ...outboxCounts.keys()])]
    .filter((k) => historyCounts.get(k) !== 1 || outboxCounts.get(k) !== 1)
    .map((k) => `${k}: ${historyCounts.get(k) ?? 0} history row(s), ${outboxCounts.get(k) ?? 0} outbox event(s)`);
}

/** Dossiers whose last_sequence is not their highest applied sequence, or that left PROCESSING. */
export async function inconsistentDossiers(db: Kysely<Database>): Promise<{ dossiers: number; wrong: string[] }> {
  const dossiers = await db.selectFrom('dossiers').select(['code', 'last_sequence', 'status_code']).execute();
  const highest = await db
    .selectFrom('dossier_events')
    .select(['dossier_code', (eb) => eb.fn.max('sequence').as('max_sequence')])
    .where('applied', '=', true)
    .groupBy('dossier_code')
    .execute();
  const highestOf = new Map(highest.map((r) => [r.dossier_code, Number(r.max_sequence)]));
  const PROCESSING = 4;
  return {
    dossiers: dossiers.length,
    wrong: dossiers
      .filter((d) => Number(d.last_sequence) !== highestOf.get(d.code) || d.status_code !== PROCESSING)
      .map((d) => `${d.code}: last_sequence ${d.last_sequence}, highest applied ${highestOf.get(d.code)}, status ${d.status_code}`),
  };
}

/** status_changed events of one dossier that come after a later sequence in outbox id order. */
export async function outboxOutOfOrder(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['aggregate_id', sql<string>`payload->'data'->>'sequence'`.as('sequence')])
    .where('event_type', '=', STATUS_CHANGED)
    .orderBy('id')
    .execute();
  const last = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const row of rows) {
    const sequence = Number(row.sequence);
    if ((last.get(row.aggregate_id) ?? 0) >= sequence) outOfOrder.push(`${row.aggregate_id}#${sequence} after #${last.get(row.aggregate_id)}`);
    last.set(row.aggregate_id, sequence);
  }
  return outOfOrder;
}
