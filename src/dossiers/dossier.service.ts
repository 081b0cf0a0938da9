import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { canonicalJson, sha256Hex } from '../canonical-json';
import type { Answer, CommitHandler, HandlerResult, Job } from '../commit/commit-pipeline';
import { HubError, validationError } from '../errors';
import { type EventType, type OutboxEvent, newEvent } from '../events/outbox';
import { isAgencyCode } from '../parties/jurisdiction';
import { toVietnamTime, toVietnamTimeOrNull } from '../time';
import type { Caller, DossierCommand, DossierEventInput, DossierHeaderInput, DossierResultInput, DossierState } from './dossier-model';
import { applicantFor } from './dossier-resource';
import { type NewTimelineEntry, dossierWrites, loadForBatch } from './dossier.repository';
import { FINISHING_STATUSES, RESULT_STATUSES, STATUS_CODES, parseStatus, statusName } from './statuses';
import { isAllowedMove } from './transitions';

/**
 * Applies dossier messages: header upserts, status events and results. One job is one
 * inbound message (a single event, or a batch of up to 1,000); the commit pipeline hands
 * this handler every job of a transaction at once, so loads and writes are set-wise.
 */

/** How far ahead of the hub's clock an event may be dated (clock skew between systems). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface CommandOutcome {
  status: number;
  error?: HubError;
  state?: DossierState;
}

export interface DossierJob {
  caller: Caller;
  commands: DossierCommand[];
  /** Whether the answer shows a dossier, so its timeline must be loaded. */
  withTimeline: boolean;
  /** Turns the outcomes into the HTTP answer, at once (the state may change after this job). */
  respond(outcomes: CommandOutcome[], now: Date): Answer;
}

interface PriorEvent {
  bodyHash: string;
  applied: boolean;
  refusalCode: string | null;
}

/** Everything one batch reads and writes. */
class Batch {
  readonly newEvents: NewTimelineEntry[] = [];
  readonly outbox: OutboxEvent[] = [];
  readonly dirty = new Set<DossierState>();
  /** Dossiers this batch creates, and existing ones whose header it replaces (subsets of `dirty`). */
  readonly created = new Set<DossierState>();
  readonly headerChanged = new Set<DossierState>();

  constructor(
    readonly states: Map<string, DossierState>,
    readonly priorEvents: Map<string, PriorEvent>,
    readonly now: Date,
  ) {}
}

const priorKey = (code: string, sequence: number) => `${code}#${sequence}`;

export const dossierCommitHandler: CommitHandler<DossierJob> = {
  weight: (job) => job.commands.length,

  keys: (job) => [...new Set(job.commands.map((c) => c.dossierCode))],

  async execute(trx: Transaction<Database>, jobs: readonly Job<DossierJob>[], now: Date): Promise<HandlerResult> {
    const codes = new Set<string>();
    const timelineCodes = new Set<string>();
    const sequenced: { code: string; sequence: number }[] = [];
    for (const { payload } of jobs) {
      for (const command of payload.commands) {
        codes.add(command.dossierCode);
        if (payload.withTimeline) timelineCodes.add(command.dossierCode);
        if (command.kind === 'event' && command.event.sequence !== undefined) sequenced.push({ code: command.dossierCode, sequence: command.event.sequence });
      }
    }
    const loaded = await loadForBatch(trx, [...codes], [...timelineCodes], sequenced);
    const states = new Map<string, DossierState>();
    const priorEvents = new Map<string, PriorEvent>();
    for (const [code, { state, timeline, prior }] of loaded) {
      if (timelineCodes.has(code)) state.timeline = timeline ?? [];
      for (const event of prior) {
        priorEvents.set(priorKey(code, event.sequence!), { bodyHash: event.bodyHash, applied: event.applied, refusalCode: event.refusalCode });
      }
      states.set(code, state);
    }

    const batch = new Batch(states, priorEvents, now);
    const answers = jobs.map(({ payload }) => {
      const outcomes = payload.commands.map((command) => applyCommand(batch, payload, command));
      return payload.respond(outcomes, now);
    });

    for (const state of batch.dirty) state.version += 1;
    const changes = {
      created: [...batch.created],
      headerChanged: [...batch.headerChanged].filter((state) => !batch.created.has(state)),
      stateChanged: [...batch.dirty].filter((state) => !batch.created.has(state) && !batch.headerChanged.has(state)),
      events: batch.newEvents,
    };
    return { answers, events: batch.outbox, writes: dossierWrites(changes) };
  },
};

function applyCommand(batch: Batch, job: DossierJob, command: DossierCommand): CommandOutcome {
  try {
    switch (command.kind) {
      case 'upsert':
        return upsertHeader(batch, job, command.dossierCode, command.header);
      case 'event':
        return applyStatusEvent(batch, job.caller, command.dossierCode, command.event);
      case 'result':
        return syncResult(batch, job.caller, command.dossierCode, command.result);
    }
  } catch (error) {
    if (error instanceof HubError) return { status: error.status, error };
    throw error;
  }
}

/** Queues the event of an accepted change, written to the outbox with it. */
function emitEvent(batch: Batch, caller: Caller, state: DossierState, type: EventType, data: Record<string, unknown>): void {
  batch.outbox.push(
    newEvent({ aggregateType: 'dossier', aggregateId: state.code, agencyCode: state.agencyCode, type, partyCode: caller.partyCode, requestId: caller.requestId, time: batch.now, data }),
  );
}

function assertWithinJurisdiction(caller: Caller, state: DossierState): void {
  if (!caller.jurisdiction.covers(state.agencyCode)) throw new HubError('FORBIDDEN', `dossier ${state.code} belongs to agency ${state.agencyCode}, outside your jurisdiction`);
}

function writableDossier(batch: Batch, caller: Caller, code: string): DossierState {
  const state = batch.states.get(code);
  if (!state) throw new HubError('DOSSIER_NOT_FOUND', `dossier ${code} does not exist: PUT its header first`);
  assertWithinJurisdiction(caller, state);
  return state;
}

const iso = (time: string | undefined) => (time === undefined ? undefined : new Date(time).toISOString());

function normalizeSupplement(supplement: NonNullable<DossierEventInput['supplement']>): Record<string, unknown> {
  return { ...supplement, requestedAt: iso(supplement.requestedAt), completedAt: iso(supplement.completedAt) };
}

/** The header as stored: times as UTC instants, nothing else changed. */
function normalizeHeader(header: DossierHeaderInput): Record<string, unknown> {
  return { ...header, receivedAt: iso(header.receivedAt), dueAt: iso(header.dueAt) };
}

function headerEventData(code: string, header: Record<string, unknown>): Record<string, unknown> {
  return {
    dossierCode: code,
    ...header,
    applicant: applicantFor(header, false),
    receivedAt: toVietnamTime(new Date(header.receivedAt as string)),
    dueAt: header.dueAt ? toVietnamTime(new Date(header.dueAt as string)) : undefined,
  };
}

function upsertHeader(batch: Batch, job: DossierJob, code: string, header: DossierHeaderInput): CommandOutcome {
  const { caller } = job;
  const agencyPart = code.slice(0, code.indexOf('-'));
  if (isAgencyCode(agencyPart) && agencyPart !== header.agencyCode) {
    throw validationError([{ path: '/agencyCode', message: `must be the dossier code's agency part (${agencyPart})`, in: 'body' }]);
  }
  if (header.dueAt !== undefined && Date.parse(header.dueAt) < Date.parse(header.receivedAt)) {
    throw validationError([{ path: '/dueAt', message: 'must not be before receivedAt', in: 'body' }]);
  }
  if (!caller.jurisdiction.covers(header.agencyCode)) throw new HubError('FORBIDDEN', `agency ${header.agencyCode} is outside your jurisdiction`);
  const existing = batch.states.get(code);
  if (existing) assertWithinJurisdiction(caller, existing);

  const stored = normalizeHeader(header);
  const headerHash = sha256Hex(canonicalJson(stored));
  if (existing && existing.headerHash === headerHash) return { status: 200, state: existing };

  const fromHeader = {
    agencyCode: header.agencyCode,
    procedureCode: header.procedureCode,
    channel: header.channel,
    receivedAt: new Date(header.receivedAt),
    header: stored,
    headerHash,
    updatedAt: batch.now,
  };
  // A replaced header keeps a due date moved by an event unless it gives its own.
  const dueAt = header.dueAt === undefined ? (existing?.dueAt ?? null) : new Date(header.dueAt);
  const state: DossierState = existing
    ? Object.assign(existing, fromHeader, { dueAt })
    : {
        code,
        ...fromHeader,
        dueAt,
        statusCode: null,
        finishedAt: null,
        lastSequence: null,
        lastOccurredAt: null,
        result: null,
        resultSyncedAt: null,
        ownerPartyCode: caller.partyCode,
        createdAt: batch.now,
        version: 0,
        timeline: job.withTimeline ? [] : undefined,
      };
  batch.states.set(code, state);
  batch.dirty.add(state);
  (existing ? batch.headerChanged : batch.created).add(state);
  emitEvent(batch, caller, state, 'vn.gov.dvc.dossier.upserted.v1', headerEventData(code, stored));
  return { status: existing ? 200 : 201, state };
}

function eventBodyHash(statusCode: number, event: DossierEventInput): string {
  return sha256Hex(
    canonicalJson({
      statusCode,
      occurredAt: Date.parse(event.occurredAt),
      sequence: event.sequence,
      actor: event.actor,
      note: event.note,
      dueAt: event.dueAt === undefined ? undefined : Date.parse(event.dueAt),
      supplement: event.supplement && normalizeSupplement(event.supplement),
    }),
  );
}

function applyStatusEvent(batch: Batch, caller: Caller, code: string, event: DossierEventInput): CommandOutcome {
  const occurredAt = new Date(event.occurredAt);
  if (occurredAt.getTime() > batch.now.getTime() + FUTURE_TOLERANCE_MS) {
    throw validationError([{ path: '/occurredAt', message: 'is in the future', in: 'body' }]);
  }
  const state = writableDossier(batch, caller, code);
  const to = parseStatus(event.status);
  const statusCode = STATUS_CODES[to];
  const bodyHash = eventBodyHash(statusCode, event);
  const sequence = event.sequence ?? null;

  if (sequence !== null) {
    const prior = batch.priorEvents.get(priorKey(code, sequence));
    if (prior && prior.bodyHash !== bodyHash) {
      throw new HubError('SEQUENCE_CONFLICT', `sequence ${sequence} of dossier ${code} was already used by a different event`);
    }
    if (prior) {
      // A replay: nothing is applied twice; the first outcome is answered again.
      if (prior.applied) return { status: 200, state };
      throw new HubError(prior.refusalCode as 'STALE_EVENT', `this event (sequence ${sequence}) was already refused with ${prior.refusalCode}`);
    }
  }

  const from = state.statusCode === null ? null : statusName(state.statusCode);
  // The dossier's current status again, at the same time, unsequenced: a re-sent sync (a
  // one-stop system's daily catch-up), not a move. Answered as accepted; nothing is applied.
  if (sequence === null && state.statusCode === statusCode && state.lastOccurredAt?.getTime() === occurredAt.getTime() && !isAllowedMove(from, to, state.channel)) {
    return { status: 200, state };
  }

  const stale =
    sequence !== null && state.lastSequence !== null
      ? sequence < state.lastSequence
      : state.lastOccurredAt !== null && occurredAt.getTime() < state.lastOccurredAt.getTime();
  let refusal: HubError | undefined;
  if (stale) {
    refusal = new HubError(
      'STALE_EVENT',
      sequence !== null && state.lastSequence !== null
        ? `sequence ${sequence} is older than the latest applied event (sequence ${state.lastSequence}); kept in the timeline, not applied`
        : `occurredAt ${toVietnamTime(occurredAt)} is older than the latest applied event (${toVietnamTimeOrNull(state.lastOccurredAt)}); kept in the timeline, not applied`,
    );
  } else if (!isAllowedMove(from, to, state.channel)) {
    refusal = new HubError('DOSSIER_TRANSITION_NOT_ALLOWED', `a dossier cannot move from ${from ?? `(new, ${state.channel})`} to ${to}`, { extensions: { from, to } });
  }

  const entry: NewTimelineEntry = {
    dossierCode: code,
    agencyCode: state.agencyCode,
    statusCode,
    occurredAt,
    sequence,
    actor: event.actor ?? null,
    note: event.note ?? null,
    dueAt: event.dueAt === undefined ? null : new Date(event.dueAt),
    supplement: event.supplement ? normalizeSupplement(event.supplement) : null,
    applied: refusal === undefined,
    refusalCode: refusal?.code ?? null,
    recordedAt: batch.now,
    bodyHash,
    partyCode: caller.partyCode,
    requestId: caller.requestId,
  };
  batch.newEvents.push(entry);
  state.timeline?.push(entry);
  if (sequence !== null) batch.priorEvents.set(priorKey(code, sequence), { bodyHash, applied: entry.applied, refusalCode: entry.refusalCode });
  if (refusal) throw refusal;

  state.statusCode = statusCode;
  state.lastSequence = sequence;
  state.lastOccurredAt = occurredAt;
  if (FINISHING_STATUSES.has(to) && state.finishedAt === null) state.finishedAt = occurredAt;
  if (entry.dueAt) state.dueAt = entry.dueAt;
  state.updatedAt = batch.now;
  batch.dirty.add(state);
  emitEvent(batch, caller, state, 'vn.gov.dvc.dossier.status_changed.v1', {
    dossierCode: code,
    agencyCode: state.agencyCode,
    status: to,
    statusCode,
    ...(sequence !== null ? { sequence } : {}),
    occurredAt: toVietnamTime(occurredAt),
    actor: entry.actor,
    note: entry.note,
    dueAt: toVietnamTimeOrNull(entry.dueAt),
  });
  return { status: 201, state };
}

function syncResult(batch: Batch, caller: Caller, code: string, result: DossierResultInput): CommandOutcome {
  const state = writableDossier(batch, caller, code);
  const current = state.statusCode === null ? null : statusName(state.statusCode);
  if (current === null || !RESULT_STATUSES.has(current)) {
    throw new HubError('DOSSIER_RESULT_NOT_ALLOWED', `dossier ${code} is ${current ?? 'without a status'}; a result needs RESOLVED or RESULT_RETURNED`, {
      extensions: { status: current },
    });
  }
  const stored = { ...result, issuedAt: iso(result.issuedAt) };
  if (state.result && canonicalJson(state.result) === canonicalJson(stored)) return { status: 200, state };
  const first = state.result === null;
  state.result = stored;
  state.resultSyncedAt = batch.now;
  state.updatedAt = batch.now;
  batch.dirty.add(state);
  emitEvent(batch, caller, state, 'vn.gov.dvc.dossier.result_synced.v1', { dossierCode: code, agencyCode: state.agencyCode, ...result, issuedAt: toVietnamTime(new Date(result.issuedAt)) });
  return { status: first ? 201 : 200, state };
}
