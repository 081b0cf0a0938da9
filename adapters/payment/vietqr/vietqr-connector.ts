import type { CallbackOutcome, PaymentConnector, ProviderAnswer } from '../connector';
import { parseCreditNotice } from './credit-notice';
import { tlv, withCrc } from './emv-qr';
import { isReference, makeReference } from './reference';
import { readSettings, vietqrSettingsSchema } from './settings';
import { lookUpPayment, pendingReport } from './transaction-lookup';

/**
 * VietQR (Napas 247 bank transfer). Not an API: the checkout is an EMVCo QR string built here
 * (emv-qr.ts), which any Vietnamese banking app pays by an instant transfer to the agency's
 * account, the attempt's reference in the memo. Napas tells nobody: the bank or an aggregator
 * watching the account POSTs a credit notice (credit-notice.ts, VietQR.vn's transaction-sync
 * layout, bearer token), and the aggregator's transaction list answers status queries
 * (transaction-lookup.ts, SePay's layout). There is no browser return and no refund API
 * (a transfer back is made by hand).
 *
 * The QR, in tag order (every value plain ASCII, lengths in characters):
 *   00 "01"  01 "12" (dynamic: carries an amount)
 *   38 { 00 "A000000727" (Napas), 01 { 00 bankBin, 01 accountNumber }, 02 "QRIBFTTA" (transfer to an account) }
 *   53 "704" (VND)  54 amount (integer VND)  58 "VN"  62 { 08 reference }  63 CRC-16/CCITT-FALSE
 * Tags 52, 59 and 60 are optional for Napas and left out: the payer's app shows the account
 * holder's name from Napas's own lookup, so accountName is not repeated in the code.
 */
const NAPAS_GUID = 'A000000727';
const SERVICE_TRANSFER_TO_ACCOUNT = 'QRIBFTTA';
const CURRENCY_VND = '704';
const MAX_AMOUNT_DIGITS = 13;

/**
 * What VietQR.vn expects back: { error, errorReason, toastMessage, object }. `errorReason` codes
 * are the partner's own (VietQR retries the codes a partner declares, and timeouts); these must
 * be declared as "no retry" except RETRY_LATER, also answered 503 so that any sender retries.
 * `object.reftransactionid` would echo the notice, which this answer does not see: null.
 */
const ANSWERS: Record<CallbackOutcome, { status: number; error: boolean; errorReason: string | null; toastMessage: string }> = {
  ACCEPTED: { status: 200, error: false, errorReason: null, toastMessage: 'Recorded' },
  ALREADY_CONFIRMED: { status: 200, error: false, errorReason: null, toastMessage: 'Already recorded' },
  UNKNOWN_ORDER: { status: 200, error: true, errorReason: 'UNKNOWN_ORDER', toastMessage: 'No payment awaits this transfer' },
  AMOUNT_MISMATCH: { status: 200, error: true, errorReason: 'AMOUNT_MISMATCH', toastMessage: 'The amount differs from the payment' },
  MERCHANT_MISMATCH: { status: 200, error: true, errorReason: 'ACCOUNT_MISMATCH', toastMessage: 'The account is not the payment account' },
  INVALID_SIGNATURE: { status: 401, error: true, errorReason: 'INVALID_AUTH', toastMessage: 'Invalid bearer token or sign' },
  MALFORMED: { status: 400, error: true, errorReason: 'INVALID_REQUEST', toastMessage: 'Unreadable notice or no payment reference' },
  RETRY_LATER: { status: 503, error: true, errorReason: 'RETRY_LATER', toastMessage: 'Temporarily unavailable, send again' },
};

export const vietqrConnector: PaymentConnector = {
  kind: 'vietqr',
  settingsSchema: vietqrSettingsSchema,
  callbackAuthentication: 'Authorization: Bearer <noticeToken>, constant-time; with noticeSigningKey also `sign` = HMAC-SHA256 over transactionid + 10-digit amount + transactiontime + orderId',

  reference(token) {
    return makeReference(token);
  },

  merchantCode(settings) {
    return readSettings(settings).accountNumber;
  },

  async createCheckout(context, order) {
    const settings = readSettings(context.settings);
    if (!Number.isSafeInteger(order.amount) || order.amount <= 0 || String(order.amount).length > MAX_AMOUNT_DIGITS) {
      throw new Error(`vietqr: the amount must be a positive integer of VND, at most ${MAX_AMOUNT_DIGITS} digits`);
    }
    if (!isReference(order.reference)) throw new Error('vietqr: the reference was not made by this connector');
    const beneficiary = tlv('00', settings.bankBin) + tlv('01', settings.accountNumber);
    const payload = withCrc(
      [
        tlv('00', '01'),
        tlv('01', '12'),
        tlv('38', tlv('00', NAPAS_GUID) + tlv('01', beneficiary) + tlv('02', SERVICE_TRANSFER_TO_ACCOUNT)),
        tlv('53', CURRENCY_VND),
        tlv('54', String(order.amount)),
        tlv('58', 'VN'),
        tlv('62', tlv('08', order.reference)),
      ].join(''),
    );
    return { qr: { payload } };
  },

  parseCallback(context, request) {
    let settings;
    try {
      settings = readSettings(context.settings);
    } catch {
      return { verified: false, problem: 'INVALID_SIGNATURE', reference: undefined };
    }
    return parseCreditNotice(settings, request);
  },

  parseReturn() {
    return { verified: false, problem: 'MALFORMED', reference: undefined };
  },

  answerCallback(outcome): ProviderAnswer {
    const { status, ...body } = ANSWERS[outcome];
    return { status, contentType: 'application/json', body: JSON.stringify({ ...body, object: null }) };
  },

  async queryStatus(context, attempt) {
    const settings = readSettings(context.settings);
    if (!settings.lookup) return pendingReport(attempt, 'no transaction lookup is configured (transactionsUrl, apiToken): only credit notices report payments');
    return lookUpPayment(context.http, settings.lookup, settings.accountNumber, attempt);
  },
};
