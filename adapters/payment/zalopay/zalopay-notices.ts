import type { CallbackOutcome, Notice, ProviderAnswer, RawHttpRequest, UnverifiedNotice } from '../connector';
import type { ZalopaySettings } from './zalopay-settings';
import { REDIRECT_FIELDS, type RedirectField, hmacHex, redirectChecksumInput, signatureMatches } from './zalopay-signing';
import { redirectResult } from './zalopay-status';

/**
 * What ZaloPay sends the hub: the server-to-server callback (only for a paid order) and the
 * citizen's browser redirect, both signed with key2; and the hub's answer to the callback.
 */

/** Callback `type` 1 is an order; 2 (agreement, for tokenized payments) is not a flow the hub uses. */
const ORDER_CALLBACK_TYPE = 1;
const MAX_APP_TRANS_ID_LENGTH = 40;

/**
 * Reads and verifies a callback: POST JSON `{data, mac, type}` where mac = HMAC-SHA256(key2)
 * over the `data` string exactly as received. The signature is checked on those bytes before
 * `data` is trusted, and `data` is never re-serialized.
 */
export function parseCallback(settings: ZalopaySettings, request: RawHttpRequest): Notice {
  if (request.method !== 'POST') return malformed(undefined);
  const envelope = parseJsonObject(request.body);
  if (!envelope || typeof envelope.data !== 'string' || typeof envelope.mac !== 'string') return malformed(undefined);
  const data = parseJsonObject(envelope.data);
  const reference = data ? readReference(data.app_trans_id) : undefined;
  if (!signatureMatches(hmacHex(settings.key2, envelope.data), envelope.mac)) return { verified: false, problem: 'INVALID_SIGNATURE', reference };
  if (envelope.type !== undefined && envelope.type !== ORDER_CALLBACK_TYPE) return malformed(reference);
  if (!data || reference === undefined) return malformed(reference);
  const { app_id: appId, amount, zp_trans_id: zpTransId } = data;
  if (!isPositiveSafeInteger(appId) || !isPositiveSafeInteger(amount) || !isPositiveSafeInteger(zpTransId)) return malformed(reference);
  return {
    verified: true,
    reference,
    amount,
    merchantCode: String(appId),
    // ZaloPay calls back only once it has the citizen's money.
    result: 'SUCCEEDED',
    providerTransactionId: String(zpTransId),
    providerCode: undefined,
    eventKey: transactionEventKey(reference, String(zpTransId), 'SUCCEEDED'),
  };
}

/**
 * Reads and verifies the browser redirect: GET with appid, apptransid, pmcid, bankcode, amount,
 * discountamount, status and checksum = HMAC-SHA256(key2) over the first seven joined by `|`.
 */
export function parseReturn(settings: ZalopaySettings, request: RawHttpRequest): Notice {
  if (request.method !== 'GET') return malformed(undefined);
  const query = queryOf(request.url);
  if (!query) return malformed(undefined);
  const reference = readReference(query.get('apptransid'));
  const checksum = query.get('checksum');
  const values = {} as Record<RedirectField, string>;
  for (const name of REDIRECT_FIELDS) {
    const value = query.get(name);
    if (value === null) return malformed(reference);
    values[name] = value;
  }
  if (checksum === null || reference === undefined) return malformed(reference);
  if (!signatureMatches(hmacHex(settings.key2, redirectChecksumInput(values)), checksum)) return { verified: false, problem: 'INVALID_SIGNATURE', reference };
  const amount = Number(values.amount);
  if (!/^[1-9]\d*$/.test(values.appid) || !/^[1-9]\d*$/.test(values.amount) || !Number.isSafeInteger(amount) || !/^-?\d+$/.test(values.status)) return malformed(reference);
  const result = redirectResult(values.status);
  return {
    verified: true,
    reference,
    amount,
    merchantCode: values.appid,
    result,
    // The redirect carries no zp_trans_id: the callback or /v2/query brings it.
    providerTransactionId: undefined,
    providerCode: result === 'SUCCEEDED' ? undefined : values.status,
    eventKey: `${reference}:redirect:${values.status}`,
  };
}

/**
 * ZaloPay reads the answer's `return_code` (HTTP 200, JSON): 1 success; 2 "duplicate
 * zp_trans_id / app_trans_id, service already provided", which is exactly an already-confirmed
 * notice; 0 makes ZaloPay call again (up to 3 times); any other code is a refusal it does not
 * retry. Refusals use -1 (its documented "mac not equal" code) and say why in return_message:
 * a mismatched or unknown order would come back byte for byte the same, so a retry cannot
 * help, and 3 is avoided because ZaloPay's v1 callback read it as "refund the user".
 */
const CALLBACK_ANSWERS: Readonly<Record<CallbackOutcome, { return_code: number; return_message: string }>> = {
  ACCEPTED: { return_code: 1, return_message: 'success' },
  ALREADY_CONFIRMED: { return_code: 2, return_message: 'already confirmed' },
  UNKNOWN_ORDER: { return_code: -1, return_message: 'order not found' },
  AMOUNT_MISMATCH: { return_code: -1, return_message: 'amount mismatch' },
  MERCHANT_MISMATCH: { return_code: -1, return_message: 'app_id mismatch' },
  INVALID_SIGNATURE: { return_code: -1, return_message: 'mac not equal' },
  MALFORMED: { return_code: -1, return_message: 'invalid data' },
  RETRY_LATER: { return_code: 0, return_message: 'retry later' },
};

export function answerCallback(outcome: CallbackOutcome): ProviderAnswer {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(CALLBACK_ANSWERS[outcome]) };
}

/** One ledger entry per transaction and result, shared by the callback and the status query that report the same payment. */
export function transactionEventKey(reference: string, zpTransId: string | undefined, result: string): string {
  return `${reference}:${zpTransId ?? '-'}:${result}`;
}

function malformed(reference: string | undefined): UnverifiedNotice {
  return { verified: false, problem: 'MALFORMED', reference };
}

function readReference(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_APP_TRANS_ID_LENGTH ? value : undefined;
}

function isPositiveSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function queryOf(url: string): URLSearchParams | undefined {
  try {
    return new URL(url, 'http://hub.invalid').searchParams;
  } catch {
    return undefined;
  }
}
