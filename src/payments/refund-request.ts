import type { FastifyBaseLogger } from 'fastify';
import { type AttemptRef, ProviderUnavailableError, type RefundReport } from '../../adapters/payment/connector';
import type { PaymentAttempt, PaymentRefund, PaymentState } from './payment-model';
import type { PaymentProvider, PaymentProviders } from './providers';

/** An attempt as a connector sees it. */
export function attemptRef(attempt: PaymentAttempt): AttemptRef {
  return {
    reference: attempt.reference,
    amount: attempt.amount,
    createdAt: new Date(attempt.createdAt),
    clientIp: attempt.clientIp,
    providerTransactionId: attempt.providerTransactionId ?? undefined,
    providerOrderId: attempt.providerOrderId ?? undefined,
  };
}

/**
 * Asks the provider to make a refund (the first time, or again while it stays PENDING: the
 * refund's own reference makes the request idempotent at the provider). Undefined when the
 * provider did not answer, or has no refund API (then an operator settles it by hand).
 */
export async function requestRefund(
  providers: PaymentProviders,
  provider: PaymentProvider,
  payment: PaymentState,
  attempt: PaymentAttempt,
  refund: PaymentRefund,
  log: FastifyBaseLogger,
): Promise<RefundReport | undefined> {
  if (!provider.connector.refund) return undefined;
  try {
    return await provider.connector.refund(providers.context(provider, new Date()), {
      reference: refund.reference,
      amount: refund.amount,
      attempt: attemptRef(attempt),
      paidAmount: payment.request.amount,
      paidAt: payment.paidAt!,
      reason: refund.reason,
      requestedBy: refund.requestedBy,
    });
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError)) throw error;
    log.warn({ provider: provider.id, refund: refund.id, reason: error.message }, 'payments: the refund request got no answer; the refund stays PENDING and is asked again');
    return undefined;
  }
}
