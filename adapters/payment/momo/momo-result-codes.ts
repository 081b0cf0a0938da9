import type { ProviderResult } from '../connector';

/**
 * MoMo's `resultCode`s (developers.momo.vn, "List Result Codes") read three ways: as the state
 * of a payment (IPN, browser return, query), as the fate of a refund, and as a refusal of the
 * request itself. Only an explicit success or failure is final; anything else, including a
 * code MoMo adds later, is PENDING and gets settled by a later query.
 */
export const SUCCESS = 0;

/** The payment (or refund) is over and did not happen. */
const PAYMENT_FAILURES = new Set([
  1001, // insufficient funds
  1002, // rejected by the issuer
  1003, // cancelled after authorization
  1004, // over the user's payment limit
  1005, // payment URL or QR expired
  1006, // the user denied the payment
  1007, // the user's account is inactive
  1017, // cancelled by the merchant
  1026, // restricted by promotion rules
  1080, // refund attempt failed during processing
  1081, // refund rejected: already refunded or more than refundable
  1088, // refund rejected: not refundable
  2019, // invalid orderGroupId
  4001, // account restricted
  4002, // account not verified
  4100, // the user failed to log in
]);

/**
 * Refusals of the request itself (maintenance, access denied, bad version, bad signature, bad
 * format, duplicate request, processing clash, unknown error): they say nothing about the
 * payment, so a query answered with one of these has no answer to give.
 */
const REQUEST_NOT_SERVED = new Set([10, 11, 12, 13, 20, 40, 43, 47, 98, 99]);

/**
 * A payment's state from the code MoMo reports for it (IPN, return, query). Everything not
 * listed stays PENDING, in particular 1000 (initiated), 7000/7002 (processing), 8000 (waiting
 * for the user again), 9000 (authorized, not captured: not money in hand for captureWallet)
 * and 42 (no such order at MoMo: not paid yet).
 */
export function paymentResult(resultCode: number): ProviderResult {
  if (resultCode === SUCCESS) return 'SUCCEEDED';
  if (PAYMENT_FAILURES.has(resultCode)) return 'FAILED';
  return 'PENDING';
}

/** Whether a query answer is MoMo declining the query rather than reporting the order. */
export function queryNotServed(resultCode: number): boolean {
  return REQUEST_NOT_SERVED.has(resultCode);
}

/**
 * A refund's fate from MoMo's answer. A refusal of the refund request (bad amount, unknown
 * transaction, bad signature, access denied, unknown order) means no money moved: FAILED. A
 * duplicate requestId (40), a clash with a refund in progress (43), maintenance (10) or an
 * unknown error (99) leave the refund's fate open: PENDING.
 */
const REFUND_REFUSALS = new Set([11, 12, 13, 20, 21, 22, 41, 42, 45, 47]);

export function refundResult(resultCode: number): ProviderResult {
  if (resultCode === SUCCESS) return 'SUCCEEDED';
  if (PAYMENT_FAILURES.has(resultCode) || REFUND_REFUSALS.has(resultCode)) return 'FAILED';
  return 'PENDING';
}
