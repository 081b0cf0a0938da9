import type { Transaction } from 'kysely';
import type { Answer, CommitHandler, HandlerResult, Job } from '../commit/commit-pipeline';
import { type Column, insertRows } from '../db/json-rows';
import type { Database } from '../db/schema';
import type { Caller, DossierHeaderInput } from '../dossiers/dossier-model';
import { type CommandOutcome, type DossierJob, dossierCommitHandler } from '../dossiers/dossier.service';
import { HubError, toProblem } from '../errors';
import { toVietnamTime } from '../time';

/**
 * A citizen's online submission, routed to the responsible party: in one transaction the
 * dossier is created (header) and becomes SUBMITTED through the canonical dossier service
 * (same rules, outbox, message log), and the submission is queued for its target, to push or
 * to hold in its inbox. The same dossier submitted again with the same body is answered as the
 * first time; with another body, 409 DOSSIER_ALREADY_SUBMITTED.
 */
export interface SubmissionJob {
  caller: Caller;
  id: string;
  dossierCode: string;
  header: DossierHeaderInput;
  submittedAt: string;
  bodyHash: string;
  target: { partyCode: string; delivery: 'PUSH' | 'PULL' };
  instance: string;
}

interface SubmissionRow {
  id: string;
  dossier_code: string;
  agency_code: string;
  target_party_code: string;
  delivery: string;
  status: string;
  body_hash: string;
  created_at: Date;
  delivered_at: Date | null;
}

export function submissionResource(row: Pick<SubmissionRow, 'id' | 'dossier_code' | 'agency_code' | 'target_party_code' | 'delivery' | 'status' | 'created_at' | 'delivered_at'>) {
  return {
    submissionId: row.id,
    dossierCode: row.dossier_code,
    agencyCode: row.agency_code,
    targetParty: row.target_party_code,
    delivery: row.delivery,
    status: row.status,
    submittedAt: toVietnamTime(new Date(row.created_at)),
    deliveredAt: row.delivered_at ? toVietnamTime(new Date(row.delivered_at)) : null,
  };
}

const COLUMNS: Column<SubmissionJob & { now: Date }>[] = [
  { name: 'id', value: (s) => s.id },
  { name: 'dossier_code', value: (s) => s.dossierCode },
  { name: 'agency_code', value: (s) => s.header.agencyCode },
  { name: 'target_party_code', value: (s) => s.target.partyCode },
  { name: 'delivery', value: (s) => s.target.delivery },
  { name: 'status', value: () => 'PENDING' },
  { name: 'body_hash', value: (s) => s.bodyHash },
  { name: 'submitted_by', value: (s) => s.caller.partyCode },
  { name: 'next_attempt_at', value: () => null },
  { name: 'created_at', value: (s) => s.now },
];

const problem = (job: SubmissionJob, error: HubError): Answer => ({ status: error.status, body: toProblem(error, job.instance, job.caller.requestId), outcome: error.code });

export const submissionHandler: CommitHandler<SubmissionJob> = {
  weight: () => 2,
  keys: (job) => [job.dossierCode],
  async execute(trx: Transaction<Database>, jobs: readonly Job<SubmissionJob>[], now: Date): Promise<HandlerResult> {
    const codes = jobs.map((j) => j.payload.dossierCode);
    const existing = new Map(
      (await trx.selectFrom('submissions').selectAll().where('dossier_code', 'in', codes).execute()).map((row) => [row.dossier_code, row as unknown as SubmissionRow]),
    );
    const answers = new Array<Answer>(jobs.length);
    const fresh: { index: number; job: SubmissionJob }[] = [];
    const seen = new Set<string>();
    jobs.forEach(({ payload }, index) => {
      const before = existing.get(payload.dossierCode);
      if (before || seen.has(payload.dossierCode)) {
        answers[index] =
          before && before.body_hash === payload.bodyHash
            ? { status: 200, body: submissionResource(before), outcome: 'REPLAYED' }
            : problem(payload, new HubError('DOSSIER_ALREADY_SUBMITTED', `dossier ${payload.dossierCode} was already submitted, with another body`));
        return;
      }
      seen.add(payload.dossierCode);
      fresh.push({ index, job: payload });
    });

    // The dossier and its SUBMITTED status, by the canonical dossier service.
    const outcomes = new Map<number, CommandOutcome[]>();
    const dossierJobs: Job<DossierJob>[] = fresh.map(({ index, job }) => ({
      payload: {
        caller: job.caller,
        commands: [
          { kind: 'upsert', dossierCode: job.dossierCode, header: job.header },
          { kind: 'event', dossierCode: job.dossierCode, event: { status: 'SUBMITTED', occurredAt: job.submittedAt } },
        ],
        withTimeline: false,
        respond: (results) => {
          outcomes.set(index, results);
          return { status: 200, body: undefined, outcome: 'OK' };
        },
      },
    }));
    const dossierResult = dossierJobs.length ? await dossierCommitHandler.execute(trx, dossierJobs, now) : { answers: [], events: [], writes: [] };

    const accepted: (SubmissionJob & { now: Date })[] = [];
    for (const { index, job } of fresh) {
      const refused = outcomes.get(index)?.find((o) => o.error);
      if (refused) {
        answers[index] = problem(job, refused.error!);
        continue;
      }
      accepted.push({ ...job, now });
      answers[index] = {
        status: 201,
        body: submissionResource({ id: job.id, dossier_code: job.dossierCode, agency_code: job.header.agencyCode, target_party_code: job.target.partyCode, delivery: job.target.delivery, status: 'PENDING', created_at: now, delivered_at: null }),
        outcome: 'OK',
      };
    }
    return {
      answers,
      events: dossierResult.events,
      writes: [...dossierResult.writes, ...(accepted.length ? [{ statement: insertRows('submissions', COLUMNS, accepted) }] : [])],
    };
  },
};
