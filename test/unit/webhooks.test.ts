import { Webhook } from 'standardwebhooks';
import { decideAfterAttempt } from '../../src/webhooks/delivery-worker';
import { isPublicAddress } from '../../src/webhooks/endpoint-guard';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../src/webhooks/retry-schedule';
import { newWebhookSecret, signingKey, webhookSignature } from '../../src/webhooks/signature';
import { declaredSubscriptionId } from '../../src/webhooks/subscriptions';

describe('webhook signatures', () => {
  it('signs the Standard Webhooks test vector as the specification does', () => {
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(webhookSignature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('makes new secrets of 32 random bytes that the reference library verifies with', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(secret);
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ specversion: '1.0', id: 'e1' });
    const headers = { 'webhook-id': 'e1', 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(signingKey(secret), 'e1', timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ specversion: '1.0', id: 'e1' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('the retry schedule', () => {
  const now = new Date('2026-11-24T02:00:00Z');
  const schedule = [0, 1000, 5000];

  it('spans about three days in ten attempts by default', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toHaveLength(10);
    const hours = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(72);
    expect(hours).toBeLessThan(78);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at a day, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 02:10:00 GMT', now)).toBe(600_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 01:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(String(7 * 24 * 3600), now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it.each([
    ['a 2xx', { responseStatus: 204, retryAfter: undefined }, 1, { status: 'SUCCEEDED', nextAttemptAt: null, outcome: 'succeeded' }],
    ['410 Gone', { responseStatus: 410, retryAfter: undefined }, 1, { status: 'DISABLED', nextAttemptAt: null, outcome: 'disabled' }],
    ['a 500', { responseStatus: 500, retryAfter: '60' }, 1, { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + 1000), outcome: 'failed_attempt' }],
    ['no answer', { responseStatus: null, retryAfter: undefined }, 2, { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + 5000), outcome: 'failed_attempt' }],
    ['the last slot failing', { responseStatus: 502, retryAfter: undefined }, 3, { status: 'FAILED', nextAttemptAt: null, outcome: 'gave_up' }],
    ['429 with Retry-After', { responseStatus: 429, retryAfter: '60' }, 1, { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + 60_000), outcome: 'failed_attempt' }],
    ['503 without Retry-After', { responseStatus: 503, retryAfter: undefined }, 1, { status: 'PENDING', nextAttemptAt: new Date(now.getTime() + 1000), outcome: 'failed_attempt' }],
    ['429 in the last slot', { responseStatus: 429, retryAfter: '60' }, 3, { status: 'FAILED', nextAttemptAt: null, outcome: 'gave_up' }],
  ] as const)('after %s', (_, result, attemptsMade, decision) => {
    expect(decideAfterAttempt(result, attemptsMade, schedule, now)).toEqual(decision);
  });
});

describe('public addresses', () => {
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('lets %s through', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '10.20.30.40',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('declared subscriptions', () => {
  it('have an id derived from the party code alone', () => {
    expect(declaredSubscriptionId('000.00.00.H26')).toBe(declaredSubscriptionId('000.00.00.H26'));
    expect(declaredSubscriptionId('000.00.00.H26')).not.toBe(declaredSubscriptionId('000.00.00.G12'));
    expect(declaredSubscriptionId('000.00.00.H26')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
