import type { CallbackOutcome, ProviderAnswer, ProviderResult } from '../connector';

/**
 * What VNPay's codes mean for the hub. Sources: sandbox.vnpayment.vn docs (pay, querydr &
 * refund pages) and the response tables of the lehuygiang28/vnpay SDK. Only an explicit
 * success or failure is final; anything else is PENDING so that the hub asks again.
 */

/** vnp_ResponseCode of a payment (IPN, browser return) that says it did not happen. */
const PAYMENT_FAILURES: Readonly<Record<string, string>> = {
  '09': 'card or account not registered for internet banking',
  '10': 'card or account details wrong more than 3 times',
  '11': 'payment window expired',
  '12': 'card or account locked',
  '13': 'wrong OTP',
  '24': 'cancelled by the customer',
  '51': 'insufficient funds',
  '65': 'daily limit exceeded',
  '75': 'paying bank under maintenance',
  '79': 'wrong payment password too many times',
};
// Deliberately not failures: 07 (money taken, transaction held as suspicious until the merchant
// decides at VNPay's portal) and 99 ("other errors"): both leave the money's fate open.

/** vnp_TransactionStatus: 00 paid, 02 failed; 01 not completed, 04 reversed at the bank, 05/06 refund under way, 07 suspected fraud, 09 refund refused. */
const TRANSACTION_FAILED = '02';

/** A payment's result from its vnp_ResponseCode and vnp_TransactionStatus: paid only when both are 00. */
export function paymentResult(responseCode: string, transactionStatus: string | undefined): ProviderResult {
  if (responseCode === '00' && transactionStatus === '00') return 'SUCCEEDED';
  if (transactionStatus === TRANSACTION_FAILED || Object.hasOwn(PAYMENT_FAILURES, responseCode)) return 'FAILED';
  return 'PENDING';
}

/** querydr vnp_ResponseCode: 00 answered (the transaction's state is in vnp_TransactionStatus), 91 no such transaction. */
export const QUERY_ANSWERED = '00';
export const QUERY_NOT_FOUND = '91';

/** A querydr that found the transaction: its vnp_TransactionStatus decides. */
export function queriedResult(transactionStatus: string): ProviderResult {
  if (transactionStatus === '00') return 'SUCCEEDED';
  if (transactionStatus === TRANSACTION_FAILED) return 'FAILED';
  return 'PENDING';
}

/** refund vnp_ResponseCode values by which VNPay refuses a refund: it will not happen. */
const REFUND_REFUSALS: Readonly<Record<string, string>> = {
  '02': 'total refunded would exceed the payment',
  '03': 'data in the wrong format',
  '04': 'full refund not allowed after a partial one',
  '13': 'only partial refunds allowed',
  '91': 'transaction to refund not found',
  '93': 'invalid refund amount',
  '95': 'the transaction did not succeed at VNPay',
  '97': 'invalid checksum',
};
// 94 (same request within 5 minutes: VNPay is processing it), 98 (timeout) and 99 (other) leave it open.

const REFUND_DECLINED_STATUS = '09';

export function refundResult(responseCode: string, transactionStatus: string): ProviderResult {
  if (responseCode === '00') return transactionStatus === REFUND_DECLINED_STATUS ? 'FAILED' : 'SUCCEEDED';
  return Object.hasOwn(REFUND_REFUSALS, responseCode) ? 'FAILED' : 'PENDING';
}

/**
 * The IPN answers VNPay documents: {"RspCode","Message"} with HTTP 200. VNPay has no code for
 * "not your merchant": the notice names an order this merchant does not have, so it is 01.
 * MALFORMED and RETRY_LATER are 99, the one code on which VNPay sends the IPN again.
 */
const IPN_ANSWERS: Readonly<Record<CallbackOutcome, { RspCode: string; Message: string }>> = {
  ACCEPTED: { RspCode: '00', Message: 'Confirm Success' },
  ALREADY_CONFIRMED: { RspCode: '02', Message: 'Order already confirmed' },
  UNKNOWN_ORDER: { RspCode: '01', Message: 'Order not found' },
  MERCHANT_MISMATCH: { RspCode: '01', Message: 'Order not found' },
  AMOUNT_MISMATCH: { RspCode: '04', Message: 'Invalid amount' },
  INVALID_SIGNATURE: { RspCode: '97', Message: 'Invalid signature' },
  MALFORMED: { RspCode: '99', Message: 'Unknown error' },
  RETRY_LATER: { RspCode: '99', Message: 'Unknown error' },
};

export function ipnAnswer(outcome: CallbackOutcome): ProviderAnswer {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(IPN_ANSWERS[outcome]) };
}
