import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { Agent, request } from 'undici';
import {
  type DossierBaseline,
  type HubDossierEvent,
  type PortalCall,
  RESULT_SYNCED,
  STATUS_CHANGED,
  type SyncOutcome,
  UPSERTED,
  loginRequest,
  readLoginAnswer,
  readSyncAnswer,
  syncMessages,
  withoutDossiers,
} from '../../adapters/onestop/dvcqg/portal-outbound';
import { BackgroundLoop } from '../background-loop';
import type { Insertable } from 'kysely';
import type { Database, PortalSyncTable } from '../db/schema';
import { advanceConsumer, leaseConsumer, readFeed, releaseConsumer } from '../events/feed';
import { applicantFor } from '../dossiers/dossier-resource';
import type { PartyDeclaration } from '../parties/party';

/**
 * The outbound sync to the national portal: every dossier the hub accepts, its progress and
 * its results, sent to the portal's integration endpoint in the portal's own format
 * (adapters/onestop/dvcqg/portal-outbound.ts), driven by the feed. A feed consumer like the
 * Kafka relay: one hub node at a time (a lease), its position moved only once the portal
 * answered, so nothing is skipped. The session is logged in once and again when the portal
 * says it expired; a portal that is down is retried with backoff. A dossier the portal
 * refuses is remembered with why, its later events in the same round are held back, and the
 * daily catch-up sends its whole current state again.
 */
const FEED_BATCH = 200;
const LEASE_MS = 30_000;
const CATCH_UP_BATCH = 500;
const DAY_MS = 24 * 60 * 60_000;

/** An upserted event's data with the dossier's applicant as stored (unmasked). */
function withApplicant(data: Record<string, unknown>, applicants: Map<string, Record<string, unknown>>): Record<string, unknown> {
  const applicant = applicants.get(String(data.dossierCode));
  if (applicant) data.applicant = applicant;
  return data;
}

export type PortalSyncSettings = NonNullable<PartyDeclaration['portalSync']>;

/** The portal did not take a call (down, timed out, session refused twice): the round is retried later from the same position. */
class PortalUnavailable extends Error {
  override name = 'PortalUnavailable';
}

export interface PortalSyncOptions {
  db: Kysely<Database>;
  settings: PortalSyncSettings;
  log: FastifyBaseLogger;
  timeoutMs: number;
  /** How often refused dossiers are sent again. Default: daily. */
  catchUpIntervalMs?: number;
}

export class PortalSync {
  private readonly loop: BackgroundLoop;
  private readonly agent = new Agent({ keepAliveTimeout: 30_000 });
  private readonly holder = `portal-sync-${process.pid}-${crypto.randomUUID()}`;
  private session: string | undefined;
  private lastCatchUp = Date.now();

  constructor(private readonly options: PortalSyncOptions) {
    this.loop = new BackgroundLoop({
      name: 'portal-sync',
      step: () => this.round(),
      idleMs: 1000,
      backoff: { initialMs: 500, maxMs: 60_000 },
      onError: (error, retryInMs) => options.log.warn({ reason: (error as Error).message, retryInMs }, 'portal sync: the national portal did not take the last round; retrying'),
    });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await releaseConsumer(this.options.db, 'portal-sync', this.holder).catch(() => undefined);
    await this.agent.close();
  }

  /** Sends the refused dossiers' whole current state again (the daily catch-up; tests call it at once). */
  async catchUp(): Promise<number> {
    this.lastCatchUp = Date.now();
    const failed = await this.options.db.selectFrom('portal_sync').select('dossier_code').where('failed_at', 'is not', null).orderBy('failed_at').limit(CATCH_UP_BATCH).execute();
    const codes = failed.map((row) => row.dossier_code);
    if (codes.length === 0) return 0;
    const baselines = await this.baselines(codes, await this.applicants(codes));
    // The latest header, status and result of each: the portal gets the dossier as it stands.
    const events = codes.flatMap((code) => {
      const b = baselines.get(code);
      return [
        ...(b?.header ? [{ id: `catch-up-h-${code}`, type: UPSERTED, data: b.header }] : []),
        ...(b?.status ? [{ id: `catch-up-s-${code}`, type: STATUS_CHANGED, data: b.status }] : []),
        ...(b?.result ? [{ id: `catch-up-r-${code}`, type: RESULT_SYNCED, data: b.result }] : []),
      ];
    });
    await this.send(events, baselines);
    return codes.length;
  }

  private async round(): Promise<boolean> {
    const position = await leaseConsumer(this.options.db, 'portal-sync', this.holder, LEASE_MS);
    if (position === undefined) return false;
    const feed = await readFeed(this.options.db, position, FEED_BATCH);
    if (feed.length === 0) {
      if (Date.now() - this.lastCatchUp >= (this.options.catchUpIntervalMs ?? DAY_MS)) await this.catchUp();
      return false;
    }
    const events = feed.filter((e) => e.aggregateType === 'dossier').map((e) => JSON.parse(e.payload) as HubDossierEvent);
    if (events.length > 0) {
      const codes = [...new Set(feed.filter((e) => e.aggregateType === 'dossier').map((e) => e.aggregateId))];
      const applicants = await this.applicants(codes);
      for (const event of events) if (event.type === UPSERTED) withApplicant(event.data, applicants);
      await this.send(events, await this.baselines(codes, applicants));
    }
    await advanceConsumer(this.options.db, 'portal-sync', feed.at(-1)!.position, this.holder);
    return feed.length === FEED_BATCH;
  }

  /**
   * The applicants as stored, identity numbers in full: events carry them masked (for every
   * consumer but the owner), and the national portal needs the number (SoGiayToChuHoSo).
   */
  private async applicants(codes: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (codes.length === 0) return new Map();
    const rows = await this.options.db.selectFrom('dossiers').select(['code', 'header']).where('code', 'in', [...codes]).execute();
    return new Map(rows.map((row) => [row.code, applicantFor(row.header, true)]));
  }

  /** The latest data of each kind of event the hub has for these dossiers: what a status change alone does not carry. */
  private async baselines(codes: readonly string[], applicants: Map<string, Record<string, unknown>>): Promise<Map<string, DossierBaseline>> {
    const { rows } = await sql<{ aggregate_id: string; event_type: string; data: Record<string, unknown> }>`
      SELECT DISTINCT ON (aggregate_id, event_type) aggregate_id, event_type, payload->'data' AS data
      FROM outbox WHERE aggregate_type = 'dossier' AND aggregate_id = ANY(${codes as string[]})
      ORDER BY aggregate_id, event_type, id DESC`.execute(this.options.db);
    const baselines = new Map<string, DossierBaseline>();
    for (const row of rows) {
      const baseline = baselines.get(row.aggregate_id) ?? {};
      if (row.event_type === UPSERTED) baseline.header = withApplicant(row.data, applicants);
      else if (row.event_type === STATUS_CHANGED) baseline.status = row.data;
      else if (row.event_type === RESULT_SYNCED) baseline.result = row.data;
      baselines.set(row.aggregate_id, baseline);
    }
    return baselines;
  }

  private async send(events: readonly HubDossierEvent[], baselines: Map<string, DossierBaseline>): Promise<void> {
    const codes = [...baselines.keys()];
    const known = new Map(
      codes.length ? (await this.options.db.selectFrom('portal_sync').select(['dossier_code', 'known']).where('dossier_code', 'in', codes).execute()).map((r) => [r.dossier_code, r.known]) : [],
    );
    const session = await this.login();
    const plan = syncMessages(events, { session, agencyCode: this.options.settings.agencyCode, known: (code) => known.get(code) ?? false, baseline: (code) => baselines.get(code) });
    for (const held of plan.held) this.options.log.warn({ dossier: held.dossierCode, reason: held.reason }, 'portal sync: a dossier cannot be sent yet');
    let calls = plan.calls;
    while (calls.length > 0) {
      const [call, ...rest] = calls;
      const outcomes = await this.call(call!);
      const refused = outcomes.filter((o) => o.outcome === 'refused');
      await this.record(outcomes);
      // A refused dossier's later items would be refused too, or applied out of order: the catch-up sends it whole.
      calls = refused.length ? withoutDossiers(rest, refused.map((o) => o.dossierCode)) : rest;
    }
  }

  private async call(call: PortalCall): Promise<SyncOutcome[]> {
    for (let tries = 0; tries < 2; tries++) {
      const body = JSON.stringify({ ...call.body, session: await this.login() });
      const { status, text } = await this.post(call.path, call.headers, body);
      const outcomes = readSyncAnswer(status, text, call.dossierCodes);
      const retry = outcomes.find((o) => o.outcome === 'retry');
      if (!retry) return outcomes;
      if (retry.outcome === 'retry' && retry.relogin) {
        this.session = undefined;
        continue;
      }
      throw new PortalUnavailable(retry.reason);
    }
    throw new PortalUnavailable('the portal refused the session twice in a row');
  }

  private async login(): Promise<string> {
    if (this.session) return this.session;
    const { username, password, dstcode } = this.options.settings;
    const login = loginRequest({ username, password, ...(dstcode ? { dstcode } : {}) });
    const { status, text } = await this.post(login.path, login.headers, login.body);
    const answer = readLoginAnswer(status, text);
    if (!answer.ok) throw new PortalUnavailable(answer.reason);
    this.session = answer.session;
    return answer.session;
  }

  /** `status` 0: no answer (timeout, connection refused), as the translator reads it. */
  private async post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
    try {
      const response = await request(`${this.options.settings.baseUrl}${path}`, { dispatcher: this.agent, method: 'POST', headers, body, signal: AbortSignal.timeout(this.options.timeoutMs) });
      return { status: response.statusCode, text: await response.body.text() };
    } catch {
      return { status: 0, text: '' };
    }
  }

  /** What the portal said of each dossier: known after a success (or a "create" it already had), the refusal kept for the catch-up. */
  private async record(outcomes: readonly SyncOutcome[]): Promise<void> {
    const now = new Date();
    const rows = outcomes.flatMap((o): Insertable<PortalSyncTable>[] => {
      if (o.outcome === 'accepted') return [{ dossier_code: o.dossierCode, known: true, last_error: null, failed_at: null, updated_at: now }];
      if (o.outcome === 'refused') return [{ dossier_code: o.dossierCode, known: o.conflict === 'exists', last_error: o.reason.slice(0, 500), failed_at: now, updated_at: now }];
      return [];
    });
    if (rows.length === 0) return;
    for (const o of outcomes) if (o.outcome === 'refused') this.options.log.warn({ dossier: o.dossierCode, reason: o.reason }, 'portal sync: the portal refused a dossier; the catch-up sends it again');
    await this.options.db
      .insertInto('portal_sync')
      .values(rows)
      .onConflict((oc) =>
        oc.column('dossier_code').doUpdateSet((eb) => ({
          // A refusal that is no create-vs-update conflict does not change what the portal knows.
          known: sql<boolean>`CASE WHEN ${eb.ref('excluded.failed_at')} IS NULL OR ${eb.ref('excluded.known')} THEN ${eb.ref('excluded.known')} ELSE portal_sync.known END`,
          last_error: eb.ref('excluded.last_error'),
          failed_at: eb.ref('excluded.failed_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}
