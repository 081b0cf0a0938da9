import type { PaymentStatus } from './payment-model';

/**
 * The payment state machine, as data (architecture.md: state machines are tables). Each
 * fact the hub learns moves a payment from one status to another; a fact without an entry
 * for the current status changes nothing. Every change of status emits
 * vn.gov.dvc.payment.status_changed.v1. Money the citizen paid is never refused: a success
 * arriving after expiry, cancellation or a failure still makes the payment PAID, and a
 * failure arriving after a success (out of order) is ignored.
 */
export type PaymentFact =
  /** The citizen was sent to a provider. */
  | 'CHECKOUT_STARTED'
  /** A provider confirmed the money was taken. */
  | 'PROVIDER_SUCCEEDED'
  /** A provider said the last open attempt failed. */
  | 'PROVIDER_FAILED'
  /** The payment's time ran out and every provider said it was not paid. */
  | 'EXPIRED'
  | 'CANCELLED'
  /** A refund went through, leaving some of the payment. */
  | 'PARTIALLY_REFUNDED'
  /** A refund went through, leaving nothing. */
  | 'FULLY_REFUNDED';

export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, Partial<Record<PaymentFact, PaymentStatus>>>> = {
  CREATED: { CHECKOUT_STARTED: 'PENDING', PROVIDER_SUCCEEDED: 'PAID', EXPIRED: 'EXPIRED', CANCELLED: 'CANCELLED' },
  PENDING: { CHECKOUT_STARTED: 'PENDING', PROVIDER_SUCCEEDED: 'PAID', PROVIDER_FAILED: 'FAILED', EXPIRED: 'EXPIRED', CANCELLED: 'CANCELLED' },
  FAILED: { CHECKOUT_STARTED: 'PENDING', PROVIDER_SUCCEEDED: 'PAID', EXPIRED: 'EXPIRED', CANCELLED: 'CANCELLED' },
  EXPIRED: { PROVIDER_SUCCEEDED: 'PAID' },
  CANCELLED: { PROVIDER_SUCCEEDED: 'PAID' },
  PAID: { PARTIALLY_REFUNDED: 'PARTIALLY_REFUNDED', FULLY_REFUNDED: 'REFUNDED' },
  PARTIALLY_REFUNDED: { PARTIALLY_REFUNDED: 'PARTIALLY_REFUNDED', FULLY_REFUNDED: 'REFUNDED' },
  REFUNDED: {},
};

/** Where `fact` takes a payment in `status`, or undefined when it changes nothing. */
export function nextStatus(status: PaymentStatus, fact: PaymentFact): PaymentStatus | undefined {
  return PAYMENT_TRANSITIONS[status][fact];
}

/** Statuses the agency is told about (its notifyUrl): the ones a citizen's payment ends in. */
export const NOTIFIED_STATUSES: ReadonlySet<PaymentStatus> = new Set(['PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED']);

/** Statuses with money in them: refunds and receipts are possible. */
export const PAID_STATUSES: ReadonlySet<PaymentStatus> = new Set(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED']);
