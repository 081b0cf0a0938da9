import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * MoMo AIO v2 signatures: HMAC-SHA256 keyed with the secret key, lowercase hex, over
 * `key=value&key=value...` with the keys in a-z order and the values raw (not URL-encoded).
 * `accessKey` is always part of the signed string although it never travels in a body: it
 * proves the sender knows both credentials. Each message signs its own fixed field list.
 */
export const CREATE_SIGNED_FIELDS = ['accessKey', 'amount', 'extraData', 'ipnUrl', 'orderId', 'orderInfo', 'partnerCode', 'redirectUrl', 'requestId', 'requestType'] as const;
export const NOTICE_SIGNED_FIELDS = ['accessKey', 'amount', 'extraData', 'message', 'orderId', 'orderInfo', 'orderType', 'partnerCode', 'payType', 'requestId', 'responseTime', 'resultCode', 'transId'] as const;
export const QUERY_SIGNED_FIELDS = ['accessKey', 'orderId', 'partnerCode', 'requestId'] as const;
export const REFUND_SIGNED_FIELDS = ['accessKey', 'amount', 'description', 'orderId', 'partnerCode', 'requestId', 'transId'] as const;

export type SignedValues<Field extends string> = Readonly<Record<Field, string | number>>;

export function signedString<Field extends string>(fields: readonly Field[], values: SignedValues<Field>): string {
  return fields.map((field) => `${field}=${values[field]}`).join('&');
}

export function momoSignature<Field extends string>(secretKey: string, fields: readonly Field[], values: SignedValues<Field>): string {
  return createHmac('sha256', secretKey).update(signedString(fields, values), 'utf8').digest('hex');
}

/** Constant-time comparison of two hex signatures; a length difference is simply "not equal". */
export function signaturesMatch(expectedHex: string, receivedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const received = Buffer.from(receivedHex.toLowerCase(), 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}
