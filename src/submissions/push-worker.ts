import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { Agent, request } from 'undici';
import type { OneStopAdapter } from '../../adapters/onestop/onestop-adapter';
import { oneStopAdapters } from '../../adapters/onestop/registry';
import { BackgroundLoop } from '../background-loop';
import type { Database } from '../db/schema';
import { dossierResource } from '../dossiers/dossier-resource';
import { findDossier } from '../dossiers/dossier.repository';
import type { PartyRegistry } from '../parties/registry';
import { deliveryConnector } from '../webhooks/endpoint-guard';

/**
 * Pushes submissions to the one-stop systems that take them by push, in each system's own
 * format (its adapter), in submission order per system: a system's next submission goes only
 * once the one before it was taken. A system that is down is retried with backoff (1 s up
 * to 30 min), for as long as it takes; nothing is dropped. A claim moves the submission's
 * next attempt past a lease first, so hub nodes never push the same one at once.
 */
const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 30 * 60_000;
const TARGETS_PER_ROUND = 50;

export interface PushWorkerOptions {
  db: Kysely<Database>;
  parties: PartyRegistry;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  log: FastifyBaseLogger;
  now?: () => Date;
}

interface Claimed {
  seq: number;
  id: string;
  dossier_code: string;
  agency_code: string;
  target_party_code: string;
  attempts: number;
}

export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 5 ** Math.max(0, attempts - 1));
}

export class SubmissionPushWorker {
  private readonly loop: BackgroundLoop;
  private readonly agent: Agent;
  private readonly now: () => Date;

  constructor(private readonly options: PushWorkerOptions) {
    this.now = options.now ?? (() => new Date());
    this.agent = new Agent({ connect: deliveryConnector({ allowPrivateNetworks: options.allowPrivateNetworks, connectTimeoutMs: options.timeoutMs }) });
    this.loop = new BackgroundLoop({
      name: 'submission-push',
      step: () => this.round(),
      idleMs: 1000,
      onError: (error, retryInMs) => options.log.warn({ err: error, retryInMs }, 'submissions: pushing failed'),
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
    await this.agent.close();
  }

  /** One submission per target with one due; true when a target may have more right away. */
  private async round(): Promise<boolean> {
    const claimed = await this.claim();
    const results = await Promise.all(claimed.map((submission) => this.push(submission)));
    return results.some(Boolean);
  }

  /** The oldest pending submission of each push target, if it is due, leased. */
  private async claim(): Promise<Claimed[]> {
    const now = this.now();
    const { rows } = await sql<Claimed>`
      WITH heads AS (
        SELECT DISTINCT ON (target_party_code) seq, next_attempt_at FROM submissions
        WHERE status = 'PENDING' AND delivery = 'PUSH'
        ORDER BY target_party_code, seq
      ),
      due AS (
        SELECT s.seq FROM submissions s JOIN heads h ON h.seq = s.seq
        WHERE h.next_attempt_at IS NULL OR h.next_attempt_at <= ${now}
        LIMIT ${TARGETS_PER_ROUND}
        FOR UPDATE OF s SKIP LOCKED
      )
      UPDATE submissions s SET next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
      FROM due WHERE s.seq = due.seq
      RETURNING s.seq, s.id, s.dossier_code, s.agency_code, s.target_party_code, s.attempts`.execute(this.options.db);
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** Pushes one submission and records the outcome; true when it was taken (the next may go). */
  private async push(submission: Claimed): Promise<boolean> {
    const target = this.options.parties.party(submission.target_party_code)?.declaration.submissions;
    const adapter = target?.adapter ? oneStopAdapters[target.adapter] : undefined;
    const state = await findDossier(this.options.db, submission.dossier_code);
    let outcome: { accepted: boolean; reason?: string };
    if (!target?.url || !adapter || !state) {
      outcome = { accepted: false, reason: 'the target no longer declares a push endpoint with a known adapter' };
    } else {
      // The responsible agency sees the dossier in full, as its owner (the portal) does.
      const rendered = adapter.renderSubmission(dossierResource(state, state.ownerPartyCode, this.now()), { agencyCode: submission.agency_code });
      outcome = await this.send(target.url, rendered, target.authorization, adapter);
    }
    const now = this.now();
    if (outcome.accepted) {
      await this.options.db
        .updateTable('submissions')
        .set({ status: 'DELIVERED', delivered_at: now, next_attempt_at: null, last_error: null, attempts: sql`attempts + 1` })
        .where('seq', '=', submission.seq)
        .execute();
      return true;
    }
    const attempts = submission.attempts + 1;
    await this.options.db
      .updateTable('submissions')
      .set({ attempts, next_attempt_at: new Date(now.getTime() + retryDelayMs(attempts)), last_error: outcome.reason?.slice(0, 500) ?? 'refused' })
      .where('seq', '=', submission.seq)
      .execute();
    this.options.log.warn({ submission: submission.id, target: submission.target_party_code, attempts, reason: outcome.reason }, 'submissions: the push was not taken; retrying later');
    return false;
  }

  /** Posts the rendered submission; the adapter reads whether the system took it. */
  private async send(url: string, rendered: { contentType: string; body: string }, authorization: string | undefined, adapter: OneStopAdapter): Promise<{ accepted: boolean; reason?: string }> {
    try {
      const response = await request(url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': rendered.contentType, 'user-agent': 'LienThong-Submissions/1', ...(authorization ? { authorization } : {}) },
        body: rendered.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      return adapter.readSubmissionAnswer(response.statusCode, await response.body.text());
    } catch (error) {
      return { accepted: false, reason: (error as Error).message };
    }
  }
}
