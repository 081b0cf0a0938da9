import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VNPay 2.1.0 checksums: HMAC-SHA512 keyed with the merchant's hashSecret, lowercase hex.
 * Redirects and notices sign their vnp_* query (sorted, form-encoded); the merchant API
 * (querydr, refund) signs its fields joined with '|' in an order fixed per message.
 */
export const SECURE_HASH = 'vnp_SecureHash';
const UNSIGNED_FIELDS = new Set([SECURE_HASH, 'vnp_SecureHashType']);

/**
 * application/x-www-form-urlencoded encoding of one value: what VNPay's SDKs sign (Java
 * URLEncoder, .NET, URLSearchParams). encodeURIComponent leaves !'()~ as they are, the form
 * serializer does not; PHP's urlencode also encodes '*', which is why checkout texts never
 * carry it (vnpay-text.ts).
 */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * The string VNPay signs for a query: every vnp_* field but the hash itself, keys ascending,
 * `k=v` joined with '&'. Empty values are left out as VNPay's Java, .NET and Node code does
 * (its PHP demo keeps them; see `signatureMatches`).
 */
export function signedQueryString(fields: ReadonlyMap<string, string>, keepEmpty = false): string {
  return [...fields.keys()]
    .filter((key) => key.startsWith('vnp_') && !UNSIGNED_FIELDS.has(key) && (keepEmpty || fields.get(key) !== ''))
    .sort()
    .map((key) => `${formEncode(key)}=${formEncode(fields.get(key) ?? '')}`)
    .join('&');
}

export function hmacSha512Hex(secret: string, data: string): string {
  return createHmac('sha512', secret).update(data, 'utf8').digest('hex');
}

/** The checksum of a merchant API message: its values in the documented order, '|' between them, absent ones empty. */
export function pipeHash(secret: string, values: readonly string[]): string {
  return hmacSha512Hex(secret, values.join('|'));
}

/** Constant-time comparison of two hex checksums; anything that is not 128 hex digits is simply unequal. */
export function sameHash(expectedHex: string, receivedHex: string | undefined): boolean {
  if (receivedHex === undefined || !/^[0-9A-Fa-f]{128}$/.test(receivedHex)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const received = Buffer.from(receivedHex, 'hex');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Whether a signed query's vnp_SecureHash is right. A field with an empty value is signed
 * differently by VNPay's demos (PHP keeps it, the others drop it) and VNPay does not say which
 * its own servers do, so both readings are accepted; the form encoding leaves no way to make
 * one message's string equal another's, so this opens nothing.
 */
export function signatureMatches(secret: string, fields: ReadonlyMap<string, string>): boolean {
  const received = fields.get(SECURE_HASH);
  if (sameHash(hmacSha512Hex(secret, signedQueryString(fields)), received)) return true;
  const hasEmpty = [...fields.values()].some((value) => value === '');
  return hasEmpty && sameHash(hmacSha512Hex(secret, signedQueryString(fields, true)), received);
}
