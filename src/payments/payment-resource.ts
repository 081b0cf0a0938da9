import { maskIdNumber } from '../dossiers/dossier-resource';
import { toVietnamTime, toVietnamTimeOrNull } from '../time';
import type { PaymentAttempt, PaymentRefund, PaymentState } from './payment-model';
import { PAID_STATUSES } from './payment-states';

/** A payment as the API shows it (schemas/payments.ts `Payment`), and as its events carry it. */

/** Paid, less what was refunded and what refunds still pending have reserved. */
export function refundableAmount(payment: PaymentState): number {
  if (!PAID_STATUSES.has(payment.status)) return 0;
  const reserved = payment.refunds.filter((r) => r.status === 'PENDING').reduce((sum, r) => sum + r.amount, 0);
  return payment.request.amount - payment.refundedAmount - reserved;
}

export function paidAttempt(payment: PaymentState): PaymentAttempt | undefined {
  return payment.attempts.find((a) => a.status === 'SUCCEEDED');
}

const vietnamTime = (iso: string) => toVietnamTime(new Date(iso));

export function refundResource(paymentId: string, refund: PaymentRefund) {
  return {
    refundId: refund.id,
    paymentId,
    provider: refund.provider,
    amount: refund.amount,
    reason: refund.reason,
    status: refund.status,
    providerRefundId: refund.providerRefundId,
    providerCode: refund.providerCode,
    createdAt: vietnamTime(refund.createdAt),
    updatedAt: vietnamTime(refund.updatedAt),
  };
}

/** `viewerIsOwner`: the party that asked for the payment sees the payer's identity number in full; others see it masked. */
export function paymentResource(payment: PaymentState, providers: readonly string[], viewerIsOwner: boolean) {
  const { request } = payment;
  const paid = paidAttempt(payment);
  const payer = { ...request.payer };
  if (!viewerIsOwner && payer.idNumber) payer.idNumber = maskIdNumber(payer.idNumber);
  return {
    paymentId: payment.id,
    status: payment.status,
    agencyCode: payment.agencyCode,
    externalReference: payment.externalReference,
    dossierCode: request.dossierCode ?? null,
    procedureCode: request.procedureCode ?? null,
    kind: request.kind,
    payer,
    items: request.items,
    amount: request.amount,
    currency: request.currency,
    beneficiary: request.beneficiary,
    description: request.description,
    returnUrl: request.returnUrl,
    notifyUrl: request.notifyUrl ?? null,
    fine: request.fine ?? null,
    providers,
    provider: paid?.provider ?? null,
    providerTransactionId: paid?.providerTransactionId ?? null,
    paidAt: toVietnamTimeOrNull(payment.paidAt),
    refundedAmount: payment.refundedAmount,
    refundableAmount: refundableAmount(payment),
    expiresAt: toVietnamTime(payment.expiresAt),
    createdAt: toVietnamTime(payment.createdAt),
    updatedAt: toVietnamTime(payment.updatedAt),
    attempts: payment.attempts.map((a) => ({
      attemptId: a.id,
      provider: a.provider,
      reference: a.reference,
      status: a.status,
      amount: a.amount,
      providerOrderId: a.providerOrderId,
      providerTransactionId: a.providerTransactionId,
      providerCode: a.providerCode,
      createdAt: vietnamTime(a.createdAt),
      updatedAt: vietnamTime(a.updatedAt),
    })),
    refunds: payment.refunds.map((r) => refundResource(payment.id, r)),
  };
}

export type PaymentResource = ReturnType<typeof paymentResource>;
