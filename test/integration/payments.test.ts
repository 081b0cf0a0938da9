import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import type { CheckoutOrder } from '../../adapters/payment/connector';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { DatabaseHandle } from '../../src/db/connect';
import type { PartyDeclaration } from '../../src/parties/party';
import { findFreePort } from '../bench/children';
import { describeEachEngine, openTestDatabase } from '../support/databases';
import { type MomoSimulator, startMomoSimulator } from '../support/payment-simulators/momo-simulator';
import type { ProviderSimulator } from '../support/payment-simulators/simulator';
import { startPayooSimulator } from '../support/payment-simulators/payoo-simulator';
import { startVietqrSimulator } from '../support/payment-simulators/vietqr-simulator';
import { signVnpayQuery, startVnpaySimulator } from '../support/payment-simulators/vnpay-simulator';
import { startZalopaySimulator } from '../support/payment-simulators/zalopay-simulator';
import { WebhookReceiver } from '../support/webhook-receiver';
import { until as waitFor } from '../support/until';

/**
 * Payments end to end: the hub as a real HTTP server, VNPay and MoMo simulators speaking
 * their protocols over HTTP (VNPay's IPN reaches the hub by itself), an agency endpoint
 * receiving the signed notification. The sweeper's clock is the test's, so lost callbacks,
 * expiry and grace periods are tested without waiting.
 */
const SECRET = { hanoi: 'hanoi-pay-secret-0123456789', mof: 'mof-pay-secret-0123456789', operator: 'operator-secret-0123456789' };
const WEBHOOK_SECRET = `whsec_${Buffer.from('hanoi-webhook-key-0123456789abcdef').toString('base64')}`;
/** The portal payment platform's INIT sample (shared fixtures), signed with this secret. */
const INIT_FIXTURE = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/dvcqg/PaymentPlatform.INIT.request.json'), 'utf8')) as Record<string, any>;
const PLATFORM_SECRET = INIT_FIXTURE._secret_used_for_MaXacThuc as string;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Providers exercised only through the generic walk (their protocols' own tests are in test/contract). */
const OTHER_PROVIDERS = { zalopay: startZalopaySimulator, payoo: startPayooSimulator, vietqr: startVietqrSimulator } as const;
type OtherProvider = keyof typeof OTHER_PROVIDERS;

function parties(vnpay: ProviderSimulator, momo: ProviderSimulator, others: Record<OtherProvider, ProviderSimulator>, confirmUrl: string): PartyDeclaration[] {
  return [
    {
      code: '000.00.00.H26',
      name: 'Hà Nội one-stop system',
      kind: 'PROVINCE',
      jurisdiction: ['*.H26'],
      scopes: ['payments:write', 'payments:read', 'events:read'],
      clients: [{ clientId: 'hanoi', clientSecret: SECRET.hanoi }],
      webhookSecret: WEBHOOK_SECRET,
      paymentPlatform: { partnerCode: 'HN_ONESTOP', secret: PLATFORM_SECRET, confirmUrl },
    },
    {
      code: '000.00.00.G12',
      name: 'Ministry of Finance',
      kind: 'MINISTRY',
      jurisdiction: ['*.G12'],
      scopes: ['payments:write', 'payments:read'],
      clients: [{ clientId: 'mof', clientSecret: SECRET.mof }],
    },
    { code: 'ops', name: 'Hub operators', kind: 'PORTAL', jurisdiction: ['*'], scopes: ['admin', 'payments:read'], clients: [{ clientId: 'operator', clientSecret: SECRET.operator }] },
    { code: 'vnpay', name: 'VNPAY', kind: 'PAYMENT_PROVIDER', provider: 'vnpay', settings: vnpay.settings },
    { code: 'momo', name: 'Ví MoMo', kind: 'PAYMENT_PROVIDER', provider: 'momo', settings: momo.settings },
    { code: 'sandbox', name: 'Sandbox bank', kind: 'PAYMENT_PROVIDER', provider: 'sandbox' },
    ...Object.entries(others).map(([code, simulator]) => ({ code, name: code, kind: 'PAYMENT_PROVIDER' as const, provider: code, settings: simulator.settings })),
  ];
}

const newPayment = (overrides: Record<string, unknown> = {}) => ({
  agencyCode: '000.00.00.H26',
  dossierCode: '000.00.00.H26-261124-0042',
  procedureCode: '1.001193',
  kind: 'FEE',
  payer: { name: 'Nguyễn Văn An', idNumber: '001190012345', address: 'Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội' },
  items: [
    { code: 'LP01', name: 'Lệ phí cấp giấy phép', amount: 100_000 },
    { code: 'PHI02', name: 'Phí thẩm định', amount: 50_000 },
  ],
  amount: 150_000,
  currency: 'VND',
  beneficiary: { accountNumber: '3761002000042', bankCode: '970436', accountName: 'Kho bạc Nhà nước Hà Nội' },
  description: 'Lệ phí cấp giấy phép lái xe',
  returnUrl: 'https://onestop.hanoi.example/payments/done',
  ...overrides,
});

describeEachEngine('payments', (engine) => {
  let app: FastifyInstance;
  let database: DatabaseHandle;
  let vnpay: ProviderSimulator;
  let momo: MomoSimulator;
  const others = {} as Record<OtherProvider, ProviderSimulator>;
  let receiver: WebhookReceiver;
  let base: string;
  let clock = Date.now();
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    vnpay = await startVnpaySimulator({ callbackUrl: `${base}/v1/callbacks/vnpay`, returnUrl: `${base}/v1/payments/return/vnpay` });
    momo = await startMomoSimulator({ callbackUrl: `${base}/v1/callbacks/momo`, returnUrl: `${base}/v1/payments/return/momo` });
    receiver = await WebhookReceiver.start();
    const confirmUrl = receiver.endpoint(`confirm-${engine}`);
    for (const [code, start] of Object.entries(OTHER_PROVIDERS)) {
      others[code as OtherProvider] = await start({ callbackUrl: `${base}/v1/callbacks/${code}`, returnUrl: `${base}/v1/payments/return/${code}` });
    }
    database = await openTestDatabase(engine);
    const config = loadConfig({ PUBLIC_URL: base, PORT: String(port), RATE_LIMIT_MAX: '100000', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', PAYMENT_PROVIDER_TIMEOUT_MS: '800' });
    app = await buildApp({
      config,
      database,
      parties: parties(vnpay, momo, others, confirmUrl),
      webhooks: { retrySchedule: [0, 100, 200] },
      paymentSweeper: { quietMs: 60_000, expiryGraceMs: 15 * 60_000, intervalMs: 3_600_000, now: () => new Date(clock) },
    });
    await app.listen({ port, host: '127.0.0.1' });
    for (const [client, secret] of Object.entries(SECRET)) {
      const answer = await api('POST', '/oauth/token', undefined, 'grant_type=client_credentials', {
        authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      });
      tokens[client] = (answer.json as { access_token: string }).access_token;
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
    await vnpay?.stop();
    await momo?.stop();
    for (const simulator of Object.values(others)) await simulator.stop();
    await receiver?.close();
  });

  async function api(method: 'GET' | 'POST', path: string, client?: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await request(`${base}${path}`, {
      method,
      headers: {
        ...(client ? { authorization: `Bearer ${tokens[client]}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, text, json: json as Record<string, any> };
  }

  async function created(overrides: Record<string, unknown> = {}) {
    const answer = await api('POST', '/v1/payments', 'hanoi', newPayment(overrides));
    expect(answer.status).toBe(201);
    return answer.json;
  }

  async function checkedOut(paymentId: string, provider = 'vnpay') {
    const answer = await api('POST', `/v1/payments/${paymentId}/checkout`, 'hanoi', { provider, clientIp: '203.0.113.7' });
    expect(answer.status).toBe(200);
    const payment = (await api('GET', `/v1/payments/${paymentId}`, 'hanoi')).json;
    const attempt = payment.attempts.at(-1);
    const order = { reference: attempt.reference, amount: payment.amount } as CheckoutOrder;
    // The provider's own order id (ZaloPay's zp_trans_token) is part of what its page was given.
    const checkout = { ...(answer.json as { redirectUrl: string; attemptId: string }), providerOrderId: (attempt.providerOrderId as string | null) ?? undefined };
    return { checkout, order };
  }

  const status = async (paymentId: string) => (await api('GET', `/v1/payments/${paymentId}`, 'hanoi')).json.status as string;
  const ledger = async (paymentId: string) =>
    database.db.selectFrom('payment_events').select(['source', 'verified', 'outcome', 'result']).where('payment_id', '=', paymentId).orderBy('id').execute();

  const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitFor(what, probe, { wake: () => app.hub.webhooks.wake(), intervalMs: 25 });

  /** Replays the hub's IPN for `reference` with some fields changed and VNPay's signature recomputed over them (or not). */
  function vnpayIpn(callbackUrl: string, changes: Record<string, string>, resign = true): string {
    const params = new URLSearchParams(callbackUrl.split('?')[1]);
    for (const [name, value] of Object.entries(changes)) params.set(name, value);
    params.delete('vnp_SecureHash');
    if (!resign) return `/v1/callbacks/vnpay?${params}&vnp_SecureHash=${'0'.repeat(128)}`;
    return `/v1/callbacks/vnpay?${signVnpayQuery(vnpay.settings.hashSecret as string, params)}`;
  }

  it('creates a payment: CREATED, with the providers the citizen can use, and answers a replayed Idempotency-Key with the original', async () => {
    const headers = { 'idempotency-key': `pay-${engine}-1` };
    const first = await api('POST', '/v1/payments', 'hanoi', newPayment(), headers);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ status: 'CREATED', amount: 150_000, currency: 'VND', providers: ['vnpay', 'momo', 'sandbox', 'zalopay', 'payoo', 'vietqr'], refundableAmount: 0 });
    const again = await api('POST', '/v1/payments', 'hanoi', newPayment(), headers);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json.paymentId).toBe(first.json.paymentId);
  });

  it('refuses an amount that is not the sum of the items, naming /amount', async () => {
    const answer = await api('POST', '/v1/payments', 'hanoi', newPayment({ amount: 140_000 }));
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/amount' }] });
  });

  it('refuses a payment for an agency outside the caller’s jurisdiction, and hides one from a party outside it', async () => {
    const outside = await api('POST', '/v1/payments', 'hanoi', newPayment({ agencyCode: '000.00.00.G12' }));
    expect(outside.status).toBe(403);
    expect(outside.json.code).toBe('FORBIDDEN');
    const payment = await created();
    expect((await api('GET', `/v1/payments/${payment.paymentId}`, 'mof')).status).toBe(403);
    expect((await api('POST', `/v1/payments/${payment.paymentId}/checkout`, 'mof', { provider: 'vnpay', clientIp: '203.0.113.7' })).status).toBe(403);
  });

  it('refuses a checkout with a provider that is not enabled', async () => {
    const payment = await created();
    const answer = await api('POST', `/v1/payments/${payment.paymentId}/checkout`, 'hanoi', { provider: 'paypal', clientIp: '203.0.113.7' });
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ code: 'PROVIDER_NOT_ENABLED', errors: [{ path: '/provider' }] });
  });

  it('walks create → checkout → VNPay page → IPN → PAID → signed agency notification → receipt', async () => {
    const notifyUrl = receiver.endpoint(`paid-${engine}`);
    const payment = await created({ notifyUrl });
    const { checkout, order } = await checkedOut(payment.paymentId);
    expect(checkout.redirectUrl).toContain('/paymentv2/vpcpay.html?');
    expect(await status(payment.paymentId)).toBe('PENDING');

    const { callback, browserReturn } = await vnpay.complete(checkout, order, 'success');
    expect(await status(payment.paymentId)).toBe('PAID');
    const paid = (await api('GET', `/v1/payments/${payment.paymentId}`, 'hanoi')).json;
    expect(paid).toMatchObject({ provider: 'vnpay', refundableAmount: 150_000 });
    expect(paid.providerTransactionId).toMatch(/^\d+$/);

    // The IPN again: VNPay's "already confirmed", and nothing new in the ledger.
    const before = await ledger(payment.paymentId);
    const replay = await api('GET', callback!.url);
    expect(replay.json).toEqual({ RspCode: '02', Message: 'Order already confirmed' });
    expect(await ledger(payment.paymentId)).toEqual(before);

    // The citizen's browser comes back and is sent on to the agency's page.
    const back = await request(`${base}${browserReturn!.url}`);
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe(`https://onestop.hanoi.example/payments/done?paymentId=${payment.paymentId}&status=PAID`);

    const [notification] = await until('the agency notification', async () => receiver.requests(`paid-${engine}`).length > 0 && receiver.requests(`paid-${engine}`));
    const body = new Webhook(WEBHOOK_SECRET).verify(notification!.body, notification!.headers as Record<string, string>) as { type: string; data: { paymentId: string; status: string } };
    expect(body).toMatchObject({ type: 'payment.status_changed', data: { paymentId: payment.paymentId, status: 'PAID' } });

    const receipt = await request(`${base}/v1/payments/${payment.paymentId}/receipt`, { headers: { authorization: `Bearer ${tokens.hanoi}` } });
    expect(receipt.statusCode).toBe(200);
    expect(receipt.headers['content-type']).toBe('application/pdf');
    expect((await receipt.body.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('answers each bad IPN the VNPay way and changes nothing: wrong amount, wrong merchant, unknown order; the genuine one still counts', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    const { callback } = await vnpay.complete(checkout, order, 'success', { deliver: false });
    const url = callback!.url;
    // (A tampered one, answered 97, makes the hub ask VNPay: see the next tests.)
    expect((await api('GET', vnpayIpn(url, { vnp_Amount: String(140_000 * 100) }))).json.RspCode).toBe('04');
    expect((await api('GET', vnpayIpn(url, { vnp_TmnCode: 'OTHERTMN' }))).json.RspCode).toBe('01');
    // An IPN for a reference the hub never gave out (as if before any checkout).
    expect((await api('GET', vnpayIpn(url, { vnp_TxnRef: 'NEVERCHECKEDOUT' }))).json.RspCode).toBe('01');
    expect(await status(payment.paymentId)).toBe('PENDING');
    expect((await ledger(payment.paymentId)).map((e) => e.outcome)).toEqual(['AMOUNT_MISMATCH', 'MERCHANT_MISMATCH']);
    const unknown = await database.db.selectFrom('payment_events').select('outcome').where('reference', '=', 'NEVERCHECKEDOUT').execute();
    expect(unknown).toEqual([{ outcome: 'UNKNOWN_ORDER' }]);

    // The genuine one still counts.
    expect((await api('GET', url)).json).toEqual({ RspCode: '00', Message: 'Confirm Success' });
    expect(await status(payment.paymentId)).toBe('PAID');
  });

  it('keeps a payment PAID when a failure arrives after the success (out of order)', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    const { callback } = await vnpay.complete(checkout, order, 'success');
    expect(await status(payment.paymentId)).toBe('PAID');
    const failure = vnpayIpn(callback!.url, { vnp_ResponseCode: '24', vnp_TransactionStatus: '02' });
    expect((await api('GET', failure)).json.RspCode).toBe('02');
    expect(await status(payment.paymentId)).toBe('PAID');
    expect((await ledger(payment.paymentId)).at(-1)).toMatchObject({ outcome: 'IGNORED_OUT_OF_ORDER', result: 'FAILED' });
  });

  it('a failed attempt makes the payment FAILED, and another checkout can still pay it', async () => {
    const payment = await created();
    const first = await checkedOut(payment.paymentId);
    await vnpay.complete(first.checkout, first.order, 'failure');
    expect(await status(payment.paymentId)).toBe('FAILED');
    const second = await checkedOut(payment.paymentId);
    await vnpay.complete(second.checkout, second.order, 'success');
    expect(await status(payment.paymentId)).toBe('PAID');
  });

  it('answers a tampered IPN 97, then asks the provider, and settles the payment from its answer', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    const { callback } = await vnpay.complete(checkout, order, 'success', { deliver: false });
    expect((await api('GET', vnpayIpn(callback!.url, { vnp_Amount: '100' }, false))).json.RspCode).toBe('97');
    await until('the status query', async () => (await status(payment.paymentId)) === 'PAID');
    expect((await ledger(payment.paymentId)).map((e) => [e.source, e.outcome])).toEqual([
      ['CALLBACK', 'INVALID_SIGNATURE'],
      ['QUERY', 'ACCEPTED'],
    ]);
  });

  it('recovers a lost IPN: the sweeper queries the pending payment, it becomes PAID and the agency is notified', async () => {
    const notifyUrl = receiver.endpoint(`lost-${engine}`);
    const payment = await created({ notifyUrl });
    const { checkout, order } = await checkedOut(payment.paymentId);
    await vnpay.complete(checkout, order, 'success', { deliver: false });
    app.hub.payments.sweeper.wake();
    await sleep(100);
    expect(await status(payment.paymentId)).toBe('PENDING'); // not yet quiet long enough
    clock += 2 * 60_000;
    app.hub.payments.sweeper.wake();
    await until('the sweeper', async () => (await status(payment.paymentId)) === 'PAID');
    await until('the agency notification', async () => receiver.requests(`lost-${engine}`).length > 0);
  });

  it('keeps a payment PENDING while the provider’s query API does not answer, then settles it', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    await vnpay.complete(checkout, order, 'success', { deliver: false });
    vnpay.fault('query', 'timeout');
    clock += 10 * 60_000;
    app.hub.payments.sweeper.wake();
    await sleep(1500);
    expect(await status(payment.paymentId)).toBe('PENDING');
    vnpay.fault('query', undefined);
    clock += 10 * 60_000;
    app.hub.payments.sweeper.wake();
    await until('the sweeper', async () => (await status(payment.paymentId)) === 'PAID');
  });

  it('expires an unpaid payment only after its provider confirms, past the grace period, that nothing was paid', async () => {
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const payment = await created({ expiresAt });
    await checkedOut(payment.paymentId);
    clock = Date.parse(expiresAt) + 60_000; // expired, but within the provider's grace
    app.hub.payments.sweeper.wake();
    await sleep(300);
    expect(await status(payment.paymentId)).toBe('PENDING');
    clock = Date.parse(expiresAt) + 20 * 60_000;
    app.hub.payments.sweeper.wake();
    await until('expiry', async () => (await status(payment.paymentId)) === 'EXPIRED');
    const expired = (await api('GET', `/v1/payments/${payment.paymentId}`, 'hanoi')).json;
    expect(expired.attempts[0]).toMatchObject({ status: 'FAILED', providerCode: 'UNPAID_AT_EXPIRY' });
    expect((await api('POST', `/v1/payments/${payment.paymentId}/checkout`, 'hanoi', { provider: 'vnpay', clientIp: '203.0.113.7' })).json.code).toBe('PAYMENT_STATE_CONFLICT');
  });

  it('answers 502 PROVIDER_UNAVAILABLE when MoMo does not take the order, and the payment can be checked out again', async () => {
    const payment = await created();
    momo.fault('create', 'timeout');
    const answer = await api('POST', `/v1/payments/${payment.paymentId}/checkout`, 'hanoi', { provider: 'momo', clientIp: '203.0.113.7' });
    momo.fault('create', undefined);
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('PROVIDER_UNAVAILABLE');
    expect(await status(payment.paymentId)).toBe('CREATED');
    const { checkout, order } = await checkedOut(payment.paymentId, 'momo');
    const { callback } = await momo.complete(checkout, order, 'success');
    expect(callback).toBeDefined();
    expect(await status(payment.paymentId)).toBe('PAID');
  });

  it('refunds with the expected-refundable-amount guard: a duplicate is refused, more than paid is refused, the rest empties it', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    await vnpay.complete(checkout, order, 'success');
    const url = `/v1/payments/${payment.paymentId}/refunds`;

    const tooMuch = await api('POST', url, 'hanoi', { amount: 200_000, reason: 'Nộp thừa', expectedRefundableAmount: 150_000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.json.errors[0].path).toBe('/amount');

    const first = await api('POST', url, 'hanoi', { amount: 50_000, reason: 'Nộp thừa phí thẩm định', expectedRefundableAmount: 150_000 }, { 'idempotency-key': `refund-${engine}` });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ amount: 50_000, status: 'SUCCEEDED' });
    // The same request again with its key: the same answer. Without it: the guard sees the figure moved.
    const replayed = await api('POST', url, 'hanoi', { amount: 50_000, reason: 'Nộp thừa phí thẩm định', expectedRefundableAmount: 150_000 }, { 'idempotency-key': `refund-${engine}` });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.json.refundId).toBe(first.json.refundId);
    const duplicate = await api('POST', url, 'hanoi', { amount: 50_000, reason: 'Nộp thừa phí thẩm định', expectedRefundableAmount: 150_000 });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ code: 'REFUND_AMOUNT_MISMATCH', refundableAmount: 100_000 });
    expect(await status(payment.paymentId)).toBe('PARTIALLY_REFUNDED');

    const rest = await api('POST', url, 'hanoi', { amount: 100_000, reason: 'Hồ sơ bị từ chối', expectedRefundableAmount: 100_000 });
    expect(rest.status).toBe(201);
    expect(await status(payment.paymentId)).toBe('REFUNDED');
    expect(vnpay.refunds.slice(-2).map((r) => r.amount)).toEqual([50_000, 100_000]);
    expect((await api('POST', url, 'hanoi', { amount: 1, reason: 'x', expectedRefundableAmount: 0 })).json.code).toBe('PAYMENT_STATE_CONFLICT');
  });

  it('walks a payment through the sandbox bank’s own page', async () => {
    const payment = await created();
    const { checkout } = await checkedOut(payment.paymentId, 'sandbox');
    expect(checkout.redirectUrl.startsWith(`${base}/sandbox/pay?`)).toBe(true);
    const page = await request(checkout.redirectUrl);
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    expect(html).toContain('150.000');
    const form = new URLSearchParams(new URL(checkout.redirectUrl).search);
    form.set('action', 'pay');
    const paid = await request(`${base}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    await paid.body.dump();
    expect(paid.statusCode).toBe(303);
    expect(await status(payment.paymentId)).toBe('PAID');
    const back = await request(paid.headers.location as string);
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toContain(`paymentId=${payment.paymentId}&status=PAID`);
  });

  it('reconciles a settlement file against the ledger: matched, missing on either side, amount mismatches', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    await vnpay.complete(checkout, order, 'success');
    const paidNow = (await api('GET', `/v1/payments/${payment.paymentId}`, 'hanoi')).json;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
    const reference = paidNow.attempts[0].reference;
    const csv = ['reference,provider_transaction_id,amount,type,occurred_at', `${reference},${paidNow.providerTransactionId},150000,PAYMENT,`, 'NOTINHUB123,999,20000,PAYMENT,'].join('\n');
    const answer = await api('POST', `/v1/reconciliations?provider=vnpay&date=${today}`, 'operator', csv, { 'content-type': 'text/csv' });
    expect(answer.status).toBe(201);
    expect(answer.json.matched).toBeGreaterThanOrEqual(1);
    expect(answer.json.missingInHub).toEqual([expect.objectContaining({ reference: 'NOTINHUB123', amount: 20_000 })]);
    expect(answer.json.missingAtProvider.length).toBeGreaterThan(0); // the other tests' payments of today
    const mismatch = ['reference,provider_transaction_id,amount,type,occurred_at', `${reference},${paidNow.providerTransactionId},149000,PAYMENT,`].join('\n');
    const second = await api('POST', `/v1/reconciliations?provider=vnpay&date=${today}`, 'operator', mismatch, { 'content-type': 'text/csv' });
    expect(second.json.amountMismatches).toEqual([expect.objectContaining({ reference, hubAmount: 150_000, providerAmount: 149_000 })]);
    expect((await api('GET', `/v1/reconciliations/${answer.json.reconciliationId}`, 'operator')).json).toEqual(answer.json);
    expect((await api('POST', `/v1/reconciliations?provider=vnpay&date=${today}`, 'hanoi', csv, { 'content-type': 'text/csv' })).status).toBe(403);
    const broken = await api('POST', `/v1/reconciliations?provider=vnpay&date=${today}`, 'operator', 'reference,amount\nX,notanumber', { 'content-type': 'text/csv' });
    expect(broken.status).toBe(422);
  });

  it('speaks the portal payment platform 1.0.6: INIT → hosted page → sandbox → signed Confirm to the agency → QUERY → GET_BILL', async () => {
    const { _secret_used_for_MaXacThuc: _secret, ...init } = INIT_FIXTURE;
    const forged = await api('POST', '/compat/dvcqg/payment', 'hanoi', { ...init, ThongTinGiaoDich: 'Nop le phi ho so khac' });
    expect(forged.json.error_code).toBe('01');

    const answer = await api('POST', '/compat/dvcqg/payment', 'hanoi', init);
    expect(answer.status).toBe(200);
    expect(answer.json.error_code).toBe('0');
    const payUrl = (JSON.parse(answer.json.message as string) as { UrlThanhToan: string }).UrlThanhToan;
    // The same INIT again (a retry) gets the same page.
    expect(JSON.parse((await api('POST', '/compat/dvcqg/payment', 'hanoi', init)).json.message as string).UrlThanhToan).toBe(payUrl);

    const page = await request(payUrl);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('Sandbox bank');
    const chosen = await request(payUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'provider=sandbox' });
    await chosen.body.dump();
    expect(chosen.statusCode).toBe(303);
    const sandboxPage = new URL(chosen.headers.location as string);
    sandboxPage.searchParams.set('action', 'pay');
    const paid = await request(`${base}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: sandboxPage.searchParams.toString() });
    await paid.body.dump();
    const back = await request(paid.headers.location as string);
    expect(back.headers.location).toMatch(new RegExp(`^${base}/pay/returned\\?paymentId=.+&status=PAID$`));

    const [delivered] = await until('the Confirm message', async () => receiver.requests(`confirm-${engine}`).length > 0 && receiver.requests(`confirm-${engine}`));
    const confirm = JSON.parse(delivered!.body) as Record<string, string | number>;
    expect(confirm).toMatchObject({ MaLoi: '00', MaDoiTac: 'HN_ONESTOP', MaThamChieu: init.MaThamChieu, SoTien: 50_000, MaTienTe: 'VND' });
    const signed = ['LoaiBanTin', 'MaLoi', 'MaDoiTac', 'MaThamChieu', 'SoTien', 'MaTienTe', 'MaGiaoDich', 'MaNganHang', 'ThoiGianGD', 'ThongTinGiaoDich'].map((f) => String(confirm[f]));
    expect(confirm.MaXacThuc).toBe(sha256([...signed, PLATFORM_SECRET].join('|')));

    const lookup = (type: string) => {
      const body = { LoaiBanTin: type, PhienBan: '1.0.6', MaDoiTac: 'HN_ONESTOP', MaThamChieu: init.MaThamChieu, ThoiGianGD: '20261124150000' };
      return { ...body, MaXacThuc: sha256([body.LoaiBanTin, body.PhienBan, body.MaDoiTac, body.MaThamChieu, body.ThoiGianGD, PLATFORM_SECRET].join('|')) };
    };
    const query = await api('POST', '/compat/dvcqg/payment', 'hanoi', lookup('QUERY'));
    expect(query.json).toMatchObject({ MaLoi: '00', TrangThaiGD: '1', SoTien: 50_000 });
    const bill = await request(`${base}/compat/dvcqg/payment`, { method: 'POST', headers: { authorization: `Bearer ${tokens.hanoi}`, 'content-type': 'application/json' }, body: JSON.stringify(lookup('GET_BILL')) });
    expect(bill.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(await bill.body.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    // Paid: the reference is spent.
    expect((await api('POST', '/compat/dvcqg/payment', 'hanoi', init)).json.error_code).toBe('05');
  });

  it.each(Object.keys(OTHER_PROVIDERS) as OtherProvider[])('walks a payment through %s: checkout, the provider’s own callback to the hub, PAID', async (provider) => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId, provider);
    const { callback } = await others[provider].complete(checkout as never, order, 'success');
    expect(callback).toBeDefined();
    await until(`${provider}'s callback`, async () => (await status(payment.paymentId)) === 'PAID');
    expect((await ledger(payment.paymentId)).map((e) => [e.source, e.outcome])).toEqual([['CALLBACK', 'ACCEPTED']]);
  });

  it('asks again for a refund the provider did not answer, until it is done', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId);
    await vnpay.complete(checkout, order, 'success');
    vnpay.fault('refund', 'timeout');
    const pending = await api('POST', `/v1/payments/${payment.paymentId}/refunds`, 'hanoi', { amount: 40_000, reason: 'Nộp thừa', expectedRefundableAmount: 150_000 });
    vnpay.fault('refund', undefined);
    expect(pending.status).toBe(202);
    expect(pending.json).toMatchObject({ status: 'PENDING' });
    expect((await api('GET', `/v1/payments/${payment.paymentId}`, 'hanoi')).json).toMatchObject({ status: 'PAID', refundableAmount: 110_000 });
    clock += 10 * 60_000;
    app.hub.payments.sweeper.wake();
    await until('the refund', async () => (await status(payment.paymentId)) === 'PARTIALLY_REFUNDED');
    const refunded = (await api('GET', `/v1/payments/${payment.paymentId}`, 'hanoi')).json;
    expect(refunded).toMatchObject({ refundedAmount: 40_000, refunds: [expect.objectContaining({ status: 'SUCCEEDED' })] });
    // Made once at VNPay: the timed-out request never reached it, the sweeper's did.
    expect(vnpay.refunds.filter((r) => r.amount === 40_000)).toHaveLength(1);
  });

  it('lets an operator settle by hand a refund whose provider has no refund API', async () => {
    const payment = await created();
    const { checkout, order } = await checkedOut(payment.paymentId, 'payoo');
    await others.payoo.complete(checkout as never, order, 'success');
    await until('payoo callback', async () => (await status(payment.paymentId)) === 'PAID');
    const pending = await api('POST', `/v1/payments/${payment.paymentId}/refunds`, 'hanoi', { amount: 150_000, reason: 'Hồ sơ bị từ chối', expectedRefundableAmount: 150_000 });
    expect(pending.status).toBe(202);
    const settlement = `/v1/payments/${payment.paymentId}/refunds/${pending.json.refundId}/settlement`;
    expect((await api('POST', settlement, 'hanoi', { result: 'SUCCEEDED', note: 'x' })).status).toBe(403);
    const settled = await api('POST', settlement, 'operator', { result: 'SUCCEEDED', providerRefundId: 'PAYOO-RF-1', note: 'Hoàn tiền qua cổng quản trị Payoo' });
    expect(settled.json).toMatchObject({ status: 'SUCCEEDED', providerRefundId: 'PAYOO-RF-1' });
    expect(await status(payment.paymentId)).toBe('REFUNDED');
    expect((await api('POST', settlement, 'operator', { result: 'FAILED', note: 'again' })).json.code).toBe('PAYMENT_STATE_CONFLICT');
  });
});
