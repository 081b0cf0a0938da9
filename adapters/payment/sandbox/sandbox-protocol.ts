import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The sandbox bank's protocol: the hub's own demonstration provider (src/payments/sandbox),
 * so that a payment can be walked end to end with no real bank. It is shaped like the real
 * ones: a signed redirect to its page, a signed JSON callback, a signed browser return, and
 * signed query and refund APIs. Every signature is HMAC-SHA256 (hex) with the shared secret.
 */
export interface SandboxOrder {
  reference: string;
  amount: number;
  description: string;
  callbackUrl: string;
  returnUrl: string;
  expiresAt: string;
}

export interface SandboxNotice {
  reference: string;
  amount: number;
  result: 'SUCCEEDED' | 'FAILED';
  transactionId: string;
  merchant: 'sandbox';
  at: string;
}

export const SIGNATURE_HEADER = 'x-sandbox-signature';

export function sign(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export function verify(secret: string, text: string, signature: string | undefined): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(sign(secret, text), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The signed text of a query string's fields: every field but `sig`, sorted by name, form-encoded. */
export function signedQuery(params: URLSearchParams): string {
  const fields = [...params].filter(([name]) => name !== 'sig').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(fields).toString();
}

export function signQuery(secret: string, fields: Record<string, string>): URLSearchParams {
  const params = new URLSearchParams(fields);
  params.set('sig', sign(secret, signedQuery(params)));
  return params;
}
