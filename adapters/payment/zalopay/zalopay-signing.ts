import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ZaloPay v2 signatures: lower-case hex HMAC-SHA256 over `|`-joined fields. Requests the hub
 * sends are keyed with key1; what ZaloPay sends (callback, browser redirect) with key2.
 */
export function hmacHex(key: string, input: string): string {
  return createHmac('sha256', key).update(input, 'utf8').digest('hex');
}

/** Constant-time comparison of a received signature with the expected one; hex case is not significant. */
export function signatureMatches(expectedHex: string, received: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(received.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface CreateOrderMacFields {
  appId: number;
  appTransId: string;
  appUser: string;
  amount: number;
  appTime: number;
  embedData: string;
  item: string;
}

/** `/v2/create`: app_id|app_trans_id|app_user|amount|app_time|embed_data|item. */
export function createOrderMacInput(fields: CreateOrderMacFields): string {
  return [fields.appId, fields.appTransId, fields.appUser, fields.amount, fields.appTime, fields.embedData, fields.item].join('|');
}

/** `/v2/query`: app_id|app_trans_id|key1 (ZaloPay puts the key itself in the signed text). */
export function queryMacInput(appId: number, appTransId: string, key1: string): string {
  return [appId, appTransId, key1].join('|');
}

export interface RefundMacFields {
  appId: number;
  zpTransId: string;
  amount: number;
  description: string;
  timestamp: number;
}

/** `/v2/refund` without refund_fee_amount (the hub never charges a refund fee): app_id|zp_trans_id|amount|description|timestamp. */
export function refundMacInput(fields: RefundMacFields): string {
  return [fields.appId, fields.zpTransId, fields.amount, fields.description, fields.timestamp].join('|');
}

export const REDIRECT_FIELDS = ['appid', 'apptransid', 'pmcid', 'bankcode', 'amount', 'discountamount', 'status'] as const;
export type RedirectField = (typeof REDIRECT_FIELDS)[number];

/** The browser redirect's checksum input: the redirect's own values, in this order, as received. */
export function redirectChecksumInput(values: Readonly<Record<RedirectField, string>>): string {
  return REDIRECT_FIELDS.map((name) => values[name]).join('|');
}

const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/**
 * `yymmdd` of an instant in Vietnam time (GMT+7, no daylight saving): ZaloPay reconciles by
 * Vietnamese calendar day and refuses an app_trans_id / m_refund_id whose prefix is another day.
 */
export function vietnamDate(instant: Date): string {
  const shifted = new Date(instant.getTime() + VIETNAM_OFFSET_MS);
  const yy = String(shifted.getUTCFullYear() % 100).padStart(2, '0');
  const mm = String(shifted.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(shifted.getUTCDate()).padStart(2, '0');
  return `${yy}${mm}${dd}`;
}
