import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { CallbackOutcome, Checkout, Notice, ProviderAnswer, RawHttpRequest } from '../../adapters/payment/connector';
import type { Answer, BatchWrite, CommitHandler, HandlerResult, Job } from '../commit/commit-pipeline';
import type { Database } from '../db/schema';
import type { Caller } from '../dossiers/dossier-model';
import { HubError, toProblem, validationError } from '../errors';
import { type OutboxEvent, newEvent } from '../events/outbox';
import type { PaymentAttempt, PaymentRefund, PaymentRequest, PaymentState, PaymentStatus } from './payment-model';
import { type LedgerEntry, lockPayments, lockPaymentsByReference, paymentWrites, referenceKey } from './payment.repository';
import { paymentResource, refundResource, refundableAmount } from './payment-resource';
import { type PaymentFact, nextStatus } from './payment-states';
import { type NotifyTarget, notifyTargetWrites } from './payment-notifications';
import type { PaymentProvider } from './providers';

/**
 * Applies payment messages through the group commit: creation, checkout, provider notices
 * (callbacks, browser returns, status-query answers), refunds and expiry. Each handler
 * loads and row-locks the payments its jobs touch, decides every answer, and returns one
 * batch of writes: payment rows (versioned), merchant references, ledger entries and the
 * outbox events of every change of status.
 */

const DEFAULT_LIFETIME_MS = 24 * 60 * 60_000;
const REFERENCE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 12 random characters of [0-9A-Z]: the unique part of every merchant reference. */
export function referenceToken(): string {
  let token = '';
  for (let i = 0; i < 12; i++) token += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return token;
}

function assertJurisdiction(caller: Caller, payment: PaymentState): void {
  if (!caller.jurisdiction.covers(payment.agencyCode)) throw new HubError('FORBIDDEN', `payment ${payment.id} belongs to agency ${payment.agencyCode}, outside your jurisdiction`);
}

/** What one batch changes. */
class Changes {
  readonly created: PaymentState[] = [];
  readonly changed = new Set<PaymentState>();
  readonly references: { provider: string; reference: string; paymentId: string }[] = [];
  readonly ledger: LedgerEntry[] = [];
  readonly events: OutboxEvent[] = [];

  constructor(
    readonly now: Date,
    private readonly providerIds: readonly string[],
  ) {}

  /** Moves the payment by `fact` (if the table allows), emitting its event; the payment is written either way. */
  apply(payment: PaymentState, fact: PaymentFact | undefined, actor: { partyCode: string; requestId: string }): void {
    const to = fact && nextStatus(payment.status, fact);
    payment.updatedAt = this.now;
    if (!this.created.includes(payment)) this.changed.add(payment);
    if (!to || to === payment.status) return;
    payment.status = to;
    if (to === 'PAID') payment.paidAt = this.now;
    this.events.push(this.event(payment, 'vn.gov.dvc.payment.status_changed.v1', paymentResource(payment, this.providerIds, true), actor));
  }

  event(payment: PaymentState, type: 'vn.gov.dvc.payment.status_changed.v1' | 'vn.gov.dvc.refund.status_changed.v1', data: Record<string, unknown>, actor: { partyCode: string; requestId: string }): OutboxEvent {
    return newEvent({ aggregateType: 'payment', aggregateId: payment.id, agencyCode: payment.agencyCode, type, partyCode: actor.partyCode, requestId: actor.requestId, time: this.now, data });
  }

  result(answers: Answer[], extraWrites: BatchWrite[] = []): HandlerResult {
    for (const payment of this.changed) payment.version += 1;
    const writes: BatchWrite[] = paymentWrites({ created: this.created, changed: [...this.changed], references: this.references, ledger: this.ledger });
    return { answers, events: this.events, writes: [...writes, ...extraWrites] };
  }
}

const problem = (error: HubError, instance: string, requestId: string): Answer => ({ status: error.status, body: toProblem(error, instance, requestId), outcome: error.code });

/** The job's answer, or the problem a rule it broke raised (anything else is a fault of the hub, and fails the batch). */
function decide(job: { instance: string; caller: Caller }, decision: () => Answer): Answer {
  try {
    return decision();
  } catch (error) {
    if (error instanceof HubError) return problem(error, job.instance, job.caller.requestId);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Creation

export interface CreatePaymentJob {
  caller: Caller;
  request: PaymentRequest;
  /** The agency's own reference for the payment (portal MaThamChieu), unique per party. */
  externalReference?: string | undefined;
  providerIds: readonly string[];
  /** Where the agency hears of the payment's end (its notifyUrl with the party's webhook secret). */
  notify?: NotifyTarget | undefined;
  instance: string;
}

/** Checks what the schema cannot: the items add up, the agency is the caller's, the expiry is ahead. */
export function checkNewPayment(caller: Caller, request: PaymentRequest, now: Date): void {
  const sum = request.items.reduce((total, item) => total + item.amount, 0);
  if (sum !== request.amount) throw validationError([{ path: '/amount', message: `must equal the sum of the items (${sum})`, in: 'body' }]);
  if (request.expiresAt !== undefined && Date.parse(request.expiresAt) <= now.getTime()) throw validationError([{ path: '/expiresAt', message: 'must be in the future', in: 'body' }]);
  if (!caller.jurisdiction.covers(request.agencyCode)) throw new HubError('FORBIDDEN', `agency ${request.agencyCode} is outside your jurisdiction`);
}

export const createPaymentHandler: CommitHandler<CreatePaymentJob> = {
  weight: () => 1,
  keys: (job) => (job.externalReference ? [`external:${job.caller.partyCode}:${job.externalReference}`] : []),
  async execute(trx, jobs, now) {
    const changes = new Changes(now, jobs[0]?.payload.providerIds ?? []);
    const taken = await existingExternalReferences(trx, jobs);
    const notify: NotifyTarget[] = [];
    const answers = jobs.map(({ payload }) => {
      const { caller, request } = payload;
      return decide(payload, () => {
        checkNewPayment(caller, request, now);
        if (payload.externalReference && taken.has(`${caller.partyCode}:${payload.externalReference}`)) {
          throw validationError([{ path: '/externalReference', message: 'a payment with this reference exists already', in: 'body' }]);
        }
        const payment: PaymentState = {
          id: randomUUID(),
          agencyCode: request.agencyCode,
          ownerPartyCode: caller.partyCode,
          externalReference: payload.externalReference ?? null,
          status: 'CREATED',
          request,
          attempts: [],
          refunds: [],
          refundedAmount: 0,
          expiresAt: request.expiresAt ? new Date(request.expiresAt) : new Date(now.getTime() + DEFAULT_LIFETIME_MS),
          paidAt: null,
          createdAt: now,
          updatedAt: now,
          version: 1,
        };
        if (payload.externalReference) taken.add(`${caller.partyCode}:${payload.externalReference}`);
        if (payload.notify) notify.push(payload.notify);
        changes.created.push(payment);
        changes.events.push(changes.event(payment, 'vn.gov.dvc.payment.status_changed.v1', paymentResource(payment, payload.providerIds, true), caller));
        return { status: 201, body: paymentResource(payment, payload.providerIds, true), outcome: 'OK' };
      });
    });
    return changes.result(answers, await notifyTargetWrites(trx, notify, now));
  },
};

async function existingExternalReferences(trx: Transaction<Database>, jobs: readonly Job<CreatePaymentJob>[]): Promise<Set<string>> {
  const wanted = jobs.flatMap(({ payload }) => (payload.externalReference ? [{ party: payload.caller.partyCode, ref: payload.externalReference }] : []));
  if (wanted.length === 0) return new Set();
  const rows = await trx
    .selectFrom('payments')
    .select(['owner_party_code', 'external_reference'])
    .where((eb) => eb.or(wanted.map((w) => eb.and([eb('owner_party_code', '=', w.party), eb('external_reference', '=', w.ref)]))))
    .execute();
  return new Set(rows.map((r) => `${r.owner_party_code}:${r.external_reference}`));
}

// ---------------------------------------------------------------------------------------
// Checkout

export interface CheckoutJob {
  caller: Caller;
  paymentId: string;
  provider: PaymentProvider;
  providerIds: readonly string[];
  attempt: PaymentAttempt;
  checkout: Checkout;
  instance: string;
}

/** Why a payment cannot be checked out now, or undefined. */
export function checkoutRefusal(payment: PaymentState, now: Date): HubError | undefined {
  if (!nextStatus(payment.status, 'CHECKOUT_STARTED')) return new HubError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}: it cannot be paid again`, { extensions: { paymentStatus: payment.status } });
  if (payment.expiresAt <= now) return new HubError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} expired at ${payment.expiresAt.toISOString()}`, { extensions: { paymentStatus: payment.status } });
  return undefined;
}

export const checkoutHandler: CommitHandler<CheckoutJob> = {
  weight: () => 1,
  keys: (job) => [job.paymentId],
  async execute(trx, jobs, now) {
    const payments = await lockPayments(trx, jobs.map((j) => j.payload.paymentId));
    const changes = new Changes(now, jobs[0]?.payload.providerIds ?? []);
    const answers = jobs.map(({ payload }) => {
      const payment = payments.get(payload.paymentId);
      return decide(payload, () => {
        if (!payment) throw new HubError('NOT_FOUND', `payment ${payload.paymentId} does not exist`);
        assertJurisdiction(payload.caller, payment);
        const refusal = checkoutRefusal(payment, now);
        if (refusal) throw refusal;
        payment.attempts.push(payload.attempt);
        changes.references.push({ provider: payload.provider.id, reference: payload.attempt.reference, paymentId: payment.id });
        changes.apply(payment, 'CHECKOUT_STARTED', payload.caller);
        const body = {
          attemptId: payload.attempt.id,
          provider: payload.provider.id,
          ...(payload.checkout.redirectUrl ? { redirectUrl: payload.checkout.redirectUrl } : {}),
          ...(payload.checkout.qr ? { qr: payload.checkout.qr } : {}),
          expiresAt: paymentResource(payment, [], true).expiresAt,
        };
        return { status: 200, body, outcome: 'OK' };
      });
    });
    return changes.result(answers);
  },
};

// ---------------------------------------------------------------------------------------
// Provider notices: callbacks, browser returns, status-query answers

export interface NoticeJob {
  provider: PaymentProvider;
  source: 'CALLBACK' | 'RETURN' | 'QUERY';
  notice: Notice;
  /** The notice as received (callbacks, returns) or the provider's answer (queries), for the ledger. */
  raw: string;
  requestId: string;
  providerIds: readonly string[];
}

export interface NoticeAnswer {
  outcome: CallbackOutcome;
  /** The payment the notice is about, after it was applied. */
  payment: { id: string; status: PaymentStatus; returnUrl: string } | undefined;
  /** An unverified notice about a known payment: the hub asks the provider instead. */
  queryPaymentId: string | undefined;
}

const rawKey = (raw: string) => createHash('sha256').update(raw).digest('hex');

export const noticeHandler: CommitHandler<NoticeJob> = {
  weight: () => 1,
  keys: (job) => (job.notice.reference ? [`ref:${job.provider.id}:${job.notice.reference}`] : []),
  async execute(trx, jobs, now) {
    const references = jobs.flatMap(({ payload: { provider, notice } }) => (notice.reference ? [{ provider: provider.id, reference: notice.reference }] : []));
    const payments = await lockPaymentsByReference(trx, references);
    // Notices this batch already took (the ledger's unique key catches those of earlier batches: a
    // replayed notice finds its attempt already in the state it reports, and its ledger row is not added again).
    const seen = new Set<string>();
    const changes = new Changes(now, jobs[0]?.payload.providerIds ?? []);

    const answers = jobs.map(({ payload }) => {
      const payment = payload.notice.reference ? payments.get(referenceKey(payload.provider.id, payload.notice.reference)) : undefined;
      const outcome = applyNotice(changes, seen, payload, payment);
      const body: NoticeAnswer = {
        outcome,
        payment: payment && { id: payment.id, status: payment.status, returnUrl: payment.request.returnUrl },
        queryPaymentId: !payload.notice.verified && payment ? payment.id : undefined,
      };
      return { status: 200, body, outcome };
    });
    return changes.result(answers);
  },
};

function applyNotice(changes: Changes, seen: Set<string>, job: NoticeJob, payment: PaymentState | undefined): CallbackOutcome {
  const { provider, notice, source } = job;
  const entry = (outcome: CallbackOutcome | 'IGNORED_OUT_OF_ORDER' | 'NOTED', eventKey: string): void => {
    // A refused notice is kept under its own bytes: it must not stand in the ledger for the genuine notice with the same key.
    if (outcome === 'UNKNOWN_ORDER' || outcome === 'MERCHANT_MISMATCH' || outcome === 'AMOUNT_MISMATCH') eventKey = `refused:${rawKey(job.raw)}`;
    else seen.add(referenceKey(provider.id, eventKey));
    changes.ledger.push({
      provider: provider.id,
      eventKey,
      source,
      paymentId: payment?.id ?? null,
      reference: notice.reference ?? null,
      verified: notice.verified,
      result: notice.verified ? notice.result : null,
      amount: notice.verified ? notice.amount : null,
      providerTransactionId: notice.verified ? (notice.providerTransactionId ?? null) : null,
      outcome,
      raw: job.raw,
      requestId: job.requestId,
      receivedAt: changes.now,
    });
  };

  if (!notice.verified) {
    entry(notice.problem, `unverified:${rawKey(job.raw)}`);
    return notice.problem;
  }
  const ledgerKey = referenceKey(provider.id, notice.eventKey);
  if (seen.has(ledgerKey)) return 'ALREADY_CONFIRMED';
  const attempt = payment?.attempts.find((a) => a.provider === provider.id && a.reference === notice.reference);
  if (!payment || !attempt) {
    entry('UNKNOWN_ORDER', notice.eventKey);
    return 'UNKNOWN_ORDER';
  }
  const merchant = provider.connector.merchantCode(provider.settings);
  if (merchant !== undefined && notice.merchantCode !== merchant) {
    entry('MERCHANT_MISMATCH', notice.eventKey);
    return 'MERCHANT_MISMATCH';
  }
  if (notice.amount !== attempt.amount) {
    entry('AMOUNT_MISMATCH', notice.eventKey);
    return 'AMOUNT_MISMATCH';
  }
  if (notice.result === 'PENDING' || attempt.status === notice.result) {
    entry(attempt.status === notice.result ? 'ALREADY_CONFIRMED' : 'NOTED', notice.eventKey);
    return attempt.status === notice.result ? 'ALREADY_CONFIRMED' : 'ACCEPTED';
  }
  if (attempt.status === 'SUCCEEDED') {
    // A failure after a success: the provider's messages crossed. The money was taken; nothing changes.
    entry('IGNORED_OUT_OF_ORDER', notice.eventKey);
    return 'ALREADY_CONFIRMED';
  }
  // PENDING → SUCCEEDED | FAILED, or FAILED → SUCCEEDED (a success always counts: the citizen paid).
  const actor = { partyCode: provider.party.code, requestId: job.requestId };
  attempt.status = notice.result;
  attempt.providerTransactionId = notice.providerTransactionId ?? attempt.providerTransactionId;
  attempt.providerCode = notice.providerCode ?? attempt.providerCode;
  attempt.updatedAt = changes.now.toISOString();
  entry('ACCEPTED', notice.eventKey);
  if (notice.result === 'SUCCEEDED') {
    // A second attempt paid after the first: the attempt shows it, the payment stays paid once (the agency refunds the extra).
    changes.apply(payment, payment.paidAt ? undefined : 'PROVIDER_SUCCEEDED', actor);
  } else {
    const stillOpen = payment.attempts.some((a) => a.status === 'PENDING');
    changes.apply(payment, stillOpen ? undefined : 'PROVIDER_FAILED', actor);
  }
  return 'ACCEPTED';
}

/** The answer the provider expects, from what the notice handler decided. */
export function providerAnswer(provider: PaymentProvider, outcome: CallbackOutcome): ProviderAnswer {
  return provider.connector.answerCallback(outcome);
}

/** The raw request as text for the ledger: method, path with query, and body. */
export function rawText(request: RawHttpRequest): string {
  return `${request.method} ${request.url}\n\n${request.body}`;
}

// ---------------------------------------------------------------------------------------
// Refunds: reserved first (so two requests cannot both take the same money), then settled
// with the provider's answer.

export interface RefundReservationJob {
  caller: Caller;
  paymentId: string;
  refund: PaymentRefund;
  expectedRefundableAmount: number;
  instance: string;
}

export const reserveRefundHandler: CommitHandler<RefundReservationJob> = {
  weight: () => 1,
  keys: (job) => [job.paymentId],
  async execute(trx, jobs, now) {
    const payments = await lockPayments(trx, jobs.map((j) => j.payload.paymentId));
    const changes = new Changes(now, []);
    const answers = jobs.map(({ payload }) => {
      const payment = payments.get(payload.paymentId);
      return decide(payload, () => {
        if (!payment) throw new HubError('NOT_FOUND', `payment ${payload.paymentId} does not exist`);
        assertJurisdiction(payload.caller, payment);
        if (payment.status !== 'PAID' && payment.status !== 'PARTIALLY_REFUNDED') {
          throw new HubError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}: only a paid payment can be refunded`, { extensions: { paymentStatus: payment.status } });
        }
        const refundable = refundableAmount(payment);
        if (payload.expectedRefundableAmount !== refundable) {
          throw new HubError('REFUND_AMOUNT_MISMATCH', `the refundable amount is ${refundable}, not ${payload.expectedRefundableAmount}`, { extensions: { refundableAmount: refundable } });
        }
        if (payload.refund.amount > refundable) {
          throw validationError([{ path: '/amount', message: `must not exceed the refundable amount (${refundable})`, in: 'body' }]);
        }
        payment.refunds.push(payload.refund);
        changes.references.push({ provider: payload.refund.provider, reference: payload.refund.reference, paymentId: payment.id });
        changes.apply(payment, undefined, payload.caller);
        changes.events.push(changes.event(payment, 'vn.gov.dvc.refund.status_changed.v1', refundResource(payment.id, payload.refund), payload.caller));
        return { status: 202, body: refundResource(payment.id, payload.refund), outcome: 'OK' };
      });
    });
    return changes.result(answers);
  },
};

export interface RefundSettlementJob {
  paymentId: string;
  refundId: string;
  provider: PaymentProvider;
  /** The provider's answer; undefined when it did not answer (the refund stays PENDING). */
  report: { result: 'SUCCEEDED' | 'FAILED' | 'PENDING'; providerRefundId: string | undefined; providerCode: string | undefined; raw: string } | undefined;
  actor: { partyCode: string; requestId: string };
  providerIds: readonly string[];
}

export const settleRefundHandler: CommitHandler<RefundSettlementJob> = {
  weight: () => 1,
  keys: (job) => [job.paymentId],
  async execute(trx, jobs, now) {
    const payments = await lockPayments(trx, jobs.map((j) => j.payload.paymentId));
    const changes = new Changes(now, jobs[0]?.payload.providerIds ?? []);
    const answers = jobs.map(({ payload }) => {
      const payment = payments.get(payload.paymentId)!;
      const refund = payment.refunds.find((r) => r.id === payload.refundId)!;
      const report = payload.report;
      if (report) {
        changes.ledger.push({
          provider: payload.provider.id,
          eventKey: `refund:${refund.reference}:${report.result}`,
          source: 'REFUND',
          paymentId: payment.id,
          reference: refund.reference,
          verified: true,
          result: report.result,
          amount: refund.amount,
          providerTransactionId: report.providerRefundId ?? null,
          outcome: 'ACCEPTED',
          raw: report.raw,
          requestId: payload.actor.requestId,
          receivedAt: now,
        });
      }
      if (report && refund.status === 'PENDING' && report.result !== 'PENDING') {
        refund.status = report.result;
        refund.providerRefundId = report.providerRefundId ?? null;
        refund.providerCode = report.providerCode ?? null;
        refund.updatedAt = now.toISOString();
        if (report.result === 'SUCCEEDED') payment.refundedAmount += refund.amount;
        const fact: PaymentFact | undefined = report.result !== 'SUCCEEDED' ? undefined : payment.refundedAmount >= payment.request.amount ? 'FULLY_REFUNDED' : 'PARTIALLY_REFUNDED';
        changes.apply(payment, fact, payload.actor);
        // PARTIALLY_REFUNDED → PARTIALLY_REFUNDED is no change of status: the refund event tells it.
        changes.events.push(changes.event(payment, 'vn.gov.dvc.refund.status_changed.v1', refundResource(payment.id, refund), payload.actor));
      }
      return { status: 201, body: refundResource(payment.id, refund), outcome: refund.status };
    });
    return changes.result(answers);
  },
};

// ---------------------------------------------------------------------------------------
// Expiry (the sweeper, after every provider said the payment was not paid)

export interface ExpiryJob {
  paymentId: string;
  /** Pending attempts whose provider, asked after the payment's expiry, still had no payment for them: they are closed as unpaid. */
  unpaidAttemptIds: readonly string[];
  /** The sweeper's time of decision (its clock may differ from the commit's, in tests). */
  asOf: Date;
  providerIds: readonly string[];
}

export const expiryHandler: CommitHandler<ExpiryJob> = {
  weight: () => 1,
  keys: (job) => [job.paymentId],
  async execute(trx, jobs, now) {
    const payments = await lockPayments(trx, jobs.map((j) => j.payload.paymentId));
    const changes = new Changes(now, jobs[0]?.payload.providerIds ?? []);
    const answers = jobs.map(({ payload }) => {
      const payment = payments.get(payload.paymentId);
      if (!payment) return { status: 404, body: { expired: false }, outcome: 'NOT_FOUND' };
      let closed = 0;
      for (const attempt of payment.attempts) {
        if (attempt.status === 'PENDING' && payload.unpaidAttemptIds.includes(attempt.id)) {
          attempt.status = 'FAILED';
          attempt.providerCode = 'UNPAID_AT_EXPIRY';
          attempt.updatedAt = now.toISOString();
          closed++;
        }
      }
      // Still open, past its time, and no attempt left that a provider has not answered for.
      const expirable = payment.expiresAt <= payload.asOf && !payment.attempts.some((a) => a.status === 'PENDING') && nextStatus(payment.status, 'EXPIRED') !== undefined;
      if (expirable || closed) changes.apply(payment, expirable ? 'EXPIRED' : undefined, { partyCode: 'hub', requestId: `sweeper-${payment.id}` });
      return { status: 200, body: { expired: Boolean(expirable) }, outcome: expirable ? 'EXPIRED' : 'UNCHANGED' };
    });
    return changes.result(answers);
  },
};
