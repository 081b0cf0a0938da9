import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { ProviderUnavailableError, type StatusReport } from '../../adapters/payment/connector';
import { BackgroundLoop } from '../background-loop';
import type { CommitPipeline } from '../commit/commit-pipeline';
import type { Database } from '../db/schema';
import type { PaymentAttempt, PaymentState } from './payment-model';
import { findPayment, paymentsToSweep, paymentsWithPendingRefunds } from './payment.repository';
import { expiryHandler, noticeHandler, settleRefundHandler } from './payment.service';
import { attemptRef, requestRefund } from './refund-request';
import type { PaymentProviders } from './providers';

/**
 * Callbacks get lost, so the hub asks. The sweeper queries the provider about every attempt
 * that has stayed pending for a while (and at once about one whose callback could not be
 * verified), records each answer as a ledger entry through the same path as a callback, and
 * expires a payment only after its time ran out AND every provider said, asked after that,
 * that it was not paid (GOV.UK Pay's rule: check with the gateway before expiring). A
 * provider that does not answer keeps its attempt open; the sweeper asks again later.
 * Queries back off per payment (5 min, 10, 20... at most 6 h), remembered per hub node.
 * Refunds a provider did not confirm are asked again the same way, under their own reference.
 */
export interface SweeperTuning {
  /** A pending attempt is first queried after this long without news. Default 5 min. */
  quietMs?: number;
  /** Attempts still pending this long after the payment's expiry are closed as unpaid if the provider confirms no payment. Default 15 min (providers' own checkout timeout). */
  expiryGraceMs?: number;
  /** How often the sweeper looks. Default 30 s. */
  intervalMs?: number;
  /** The sweeper's clock; tests move it. */
  now?: () => Date;
}

const BATCH = 100;
const MAX_BACKOFF_MS = 6 * 60 * 60_000;
const MAX_REMEMBERED = 200_000;

export class PaymentSweeper {
  private readonly loop: BackgroundLoop;
  private readonly requested = new Set<string>();
  private readonly nextQuery = new Map<string, { at: number; backoffMs: number }>();
  private readonly quietMs: number;
  private readonly graceMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly options: { db: Kysely<Database>; pipeline: CommitPipeline; providers: PaymentProviders; log: FastifyBaseLogger } & SweeperTuning,
  ) {
    this.quietMs = options.quietMs ?? 5 * 60_000;
    this.graceMs = options.expiryGraceMs ?? 15 * 60_000;
    this.now = options.now ?? (() => new Date());
    this.loop = new BackgroundLoop({
      name: 'payment-sweeper',
      step: () => this.sweep(),
      idleMs: options.intervalMs ?? 30_000,
      onError: (error, retryInMs) => options.log.warn({ err: error, retryInMs }, 'payments: the sweeper failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** A callback about this payment could not be verified: ask its provider now. */
  queryNow(paymentId: string): void {
    this.requested.add(paymentId);
    this.loop.wake();
  }

  /** Runs a round now (tests, after moving the clock). */
  wake(): void {
    this.loop.wake();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async sweep(): Promise<boolean> {
    const now = this.now();
    const requested = [...this.requested];
    this.requested.clear();
    const found = await Promise.all(requested.map((id) => findPayment(this.options.db, id)));
    const due = (await paymentsToSweep(this.options.db, now, this.quietMs, BATCH)).filter((p) => requested.includes(p.id) || (this.nextQuery.get(p.id)?.at ?? 0) <= now.getTime());
    const payments = new Map<string, PaymentState>();
    for (const payment of [...found, ...due]) if (payment) payments.set(payment.id, payment);
    for (const payment of payments.values()) await this.settle(payment, now);
    await this.retryRefunds(now);
    return false;
  }

  /** Refunds still PENDING (the provider did not answer): asked again with the same reference, backing off per refund. */
  private async retryRefunds(now: Date): Promise<void> {
    const { providers, pipeline, log } = this.options;
    for (const payment of await paymentsWithPendingRefunds(this.options.db, now, this.quietMs, BATCH)) {
      const attempt = payment.attempts.find((a) => a.status === 'SUCCEEDED');
      for (const refund of payment.refunds.filter((r) => r.status === 'PENDING' && (this.nextQuery.get(r.id)?.at ?? 0) <= now.getTime())) {
        const provider = providers.get(refund.provider);
        if (!provider?.connector.refund || !attempt) continue;
        const report = await requestRefund(providers, provider, payment, attempt, refund, log);
        if (report) {
          await pipeline.submit(settleRefundHandler, {
            payload: { paymentId: payment.id, refundId: refund.id, provider, report, actor: { partyCode: 'hub', requestId: `sweeper-${refund.id}` }, providerIds: providers.ids() },
          });
        }
        this.backOff(refund.id, now, report !== undefined);
      }
    }
  }

  private async settle(payment: PaymentState, now: Date): Promise<void> {
    const providerIds = this.options.providers.ids();
    const unpaid: string[] = [];
    let asked = false;
    for (const attempt of payment.attempts.filter((a) => a.status === 'PENDING')) {
      const report = await this.query(attempt);
      if (!report) continue;
      asked = true;
      const provider = this.options.providers.get(attempt.provider)!;
      await this.options.pipeline.submit(noticeHandler, {
        payload: {
          provider,
          source: 'QUERY',
          notice: {
            verified: true,
            reference: attempt.reference,
            // The provider answered the hub's own signed question about this reference: an answer without an amount is about that amount.
            amount: report.amount ?? attempt.amount,
            merchantCode: provider.connector.merchantCode(provider.settings),
            result: report.result,
            providerTransactionId: report.providerTransactionId,
            providerCode: report.providerCode,
            eventKey: `query:${report.eventKey}`,
          },
          raw: report.raw,
          requestId: `sweeper-${payment.id}`,
          providerIds,
        },
      });
      if (report.result === 'PENDING' && now.getTime() >= payment.expiresAt.getTime() + this.graceMs) unpaid.push(attempt.id);
    }
    const stillPending = payment.attempts.some((a) => a.status === 'PENDING' && !unpaid.includes(a.id));
    if (payment.expiresAt <= now && (!stillPending || unpaid.length)) {
      await this.options.pipeline.submit(expiryHandler, { payload: { paymentId: payment.id, unpaidAttemptIds: unpaid, asOf: now, providerIds } });
    }
    this.backOff(payment.id, now, asked);
  }

  private async query(attempt: PaymentAttempt): Promise<StatusReport | undefined> {
    const provider = this.options.providers.get(attempt.provider);
    if (!provider) return undefined;
    try {
      // The provider's protocol is dated by the wall clock, whatever the sweeper's scheduling clock says.
      return await provider.connector.queryStatus(this.options.providers.context(provider, new Date()), attemptRef(attempt));
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      this.options.log.warn({ provider: provider.id, reference: attempt.reference, reason: error.message }, 'payments: a status query got no answer; asking again later');
      return undefined;
    }
  }

  private backOff(paymentId: string, now: Date, asked: boolean): void {
    // Settled payments leave no trace here but their last entry: forget them all now and then (the next round re-learns the open ones).
    if (this.nextQuery.size >= MAX_REMEMBERED) this.nextQuery.clear();
    const previous = this.nextQuery.get(paymentId)?.backoffMs;
    const backoffMs = asked ? Math.min(MAX_BACKOFF_MS, previous ? previous * 2 : this.quietMs) : this.quietMs;
    this.nextQuery.set(paymentId, { at: now.getTime() + backoffMs, backoffMs });
  }
}
