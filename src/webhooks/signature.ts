import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks 1.0 signing: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of a
 * `whsec_` secret. Receivers verify it with any Standard Webhooks library.
 */
const SECRET_PREFIX = 'whsec_';

/** A new subscription secret: 32 random bytes (the contract asks for at least 24). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a secret, decoded once per subscription rather than per delivery. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header value for one delivery. */
export function webhookSignature(key: Buffer, webhookId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64')}`;
}
