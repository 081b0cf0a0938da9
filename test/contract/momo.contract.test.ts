import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallbackOutcome,
  type CheckoutOrder,
  type ConnectorContext,
  type ProviderHttp,
  type ProviderHttpResponse,
  ProviderUnavailableError,
  type RawHttpRequest,
  type RefundOrder,
} from '../../adapters/payment/connector';
import { momoConnector } from '../../adapters/payment/momo/momo-connector';
import { UndiciProviderHttp } from '../../src/payments/provider-http';
import { describeConnectorContract, testToken } from '../support/payment-contract';
import { type MomoSimulator, startMomoSimulator } from '../support/payment-simulators/momo-simulator';

describeConnectorContract('momo', {
  connector: momoConnector,
  startSimulator: startMomoSimulator,
  tamperAmount(callback) {
    const notice = JSON.parse(callback.body) as { amount: number };
    return { ...callback, body: JSON.stringify({ ...notice, amount: notice.amount + 1000 }) };
  },
  apis: ['create', 'query', 'refund'],
  notifiesFailures: true,
});

/*
 * payments.md publishes no MoMo test vector, and MoMo's own examples do not give the key they
 * were signed with. The vectors below are pinned instead: the strings follow MoMo's documented
 * layout and the HMACs were computed once with `openssl dgst -sha256 -hmac`, outside this code.
 */
const SETTINGS = { partnerCode: 'MOMOLT_TEST', accessKey: 'TESTACCESSKEY01', secretKey: 'test-secret-key-0123456789abcdef', baseUrl: 'https://test-payment.momo.vn' };
const HUB = { callbackUrl: 'https://hub.example.vn/v1/callbacks/momo', returnUrl: 'https://hub.example.vn/v1/payments/return/momo' };

/** A ProviderHttp that keeps what the connector sent and answers as the test scripts. */
class ScriptedHttp implements ProviderHttp {
  readonly sent: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
  constructor(private readonly answer: (body: Record<string, unknown>) => { status?: number; body: unknown }) {}

  async request(request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse> {
    const body = JSON.parse(request.body ?? '') as Record<string, unknown>;
    this.sent.push({ url: request.url, headers: request.headers ?? {}, body });
    const { status = 200, body: answer } = this.answer(body);
    return { status, headers: { 'content-type': 'application/json' }, body: typeof answer === 'string' ? answer : JSON.stringify(answer) };
  }
}

function scripted(answer: (body: Record<string, unknown>) => { status?: number; body: unknown }): { http: ScriptedHttp; context: ConnectorContext } {
  const http = new ScriptedHttp(answer);
  return { http, context: { settings: SETTINGS, http, now: new Date('2026-01-01T02:00:00Z'), ...HUB } };
}

const noHttp = scripted(() => {
  throw new Error('no MoMo call expected');
});

function order(overrides: Partial<CheckoutOrder> = {}): CheckoutOrder {
  return {
    reference: 'LT0000000000AB',
    amount: 150_000,
    description: 'Lệ phí cấp giấy phép lái xe 000.00.00.H26-260101-0001',
    clientIp: '203.0.113.7',
    locale: 'vi',
    createdAt: new Date('2026-01-01T02:00:00Z'),
    expiresAt: new Date('2026-01-01T02:15:00Z'),
    ...overrides,
  };
}

function refundOf(reference: string, amount: number, providerTransactionId: string | undefined, paidReference = 'LT0000000000AB'): RefundOrder {
  return {
    reference,
    amount,
    attempt: { reference: paidReference, amount: 300_000, createdAt: new Date(), clientIp: '203.0.113.7', providerTransactionId, providerOrderId: undefined },
    paidAmount: 300_000,
    paidAt: new Date(),
    reason: 'Hồ sơ không đủ điều kiện',
    requestedBy: '000.00.00.H26',
  };
}

/** MoMo's IPN example (developers.momo.vn, Payment Notification), addressed to the test partner and signed with the test key. */
const DOCS_IPN = {
  orderType: 'momo_wallet',
  amount: 1000,
  partnerCode: 'MOMOLT_TEST',
  orderId: 'Partner_Transaction_ID_1721720620078',
  extraData: 'eyJza3VzIjoiIn0=',
  signature: '39a33da867dcabdd98e29ef9bb82c79e1203ef3ceac1d0023cd911f53e781157',
  transId: 4088878653,
  responseTime: 1721720663942,
  resultCode: 0,
  message: 'Successful.',
  payType: 'qr',
  requestId: 'Request_ID_1721720620078',
  orderInfo: 'Thank you for your purchase at MoMo_test',
};

const ipn = (body: unknown): RawHttpRequest => ({ method: 'POST', url: '/v1/callbacks/momo', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Signs a notice the way MoMo documents it, written out here rather than borrowed from the connector. */
function signNotice(notice: Record<string, string | number>): Record<string, string | number> {
  const layout = `accessKey=${SETTINGS.accessKey}&amount=${notice.amount}&extraData=${notice.extraData}&message=${notice.message}&orderId=${notice.orderId}&orderInfo=${notice.orderInfo}&orderType=${notice.orderType}&partnerCode=${notice.partnerCode}&payType=${notice.payType}&requestId=${notice.requestId}&responseTime=${notice.responseTime}&resultCode=${notice.resultCode}&transId=${notice.transId}`;
  return { ...notice, signature: createHmac('sha256', SETTINGS.secretKey).update(layout).digest('hex') };
}

describe('momo: pinned signature vectors through the connector', () => {
  it('signs the create request over accessKey, amount, extraData, ipnUrl, orderId, orderInfo, partnerCode, redirectUrl, requestId, requestType (raw values)', async () => {
    const { http, context } = scripted((body) => ({
      body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, requestId: body.requestId, amount: body.amount, resultCode: 0, message: 'Thành công.', payUrl: 'https://test-payment.momo.vn/v2/gateway/pay?t=abc', qrCodeUrl: 'momo://app?sid=abc' },
    }));
    const checkout = await momoConnector.createCheckout(context, order());
    expect(checkout).toEqual({ redirectUrl: 'https://test-payment.momo.vn/v2/gateway/pay?t=abc', qr: { payload: 'momo://app?sid=abc' } });
    expect(http.sent).toHaveLength(1);
    expect(http.sent[0]!.url).toBe('https://test-payment.momo.vn/v2/gateway/api/create');
    expect(http.sent[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(http.sent[0]!.body).toEqual({
      partnerCode: 'MOMOLT_TEST',
      requestId: 'LT0000000000AB',
      amount: 150_000,
      orderId: 'LT0000000000AB',
      orderInfo: 'Lệ phí cấp giấy phép lái xe 000.00.00.H26-260101-0001',
      redirectUrl: HUB.returnUrl,
      ipnUrl: HUB.callbackUrl,
      requestType: 'captureWallet',
      extraData: '',
      lang: 'vi',
      signature: '37bc6535cd5db98730b0083d7edb61eac90fe97080cb45859a001f6801170933',
    });
  });

  it("verifies MoMo's documented IPN example signed with the test key", () => {
    expect(momoConnector.parseCallback(noHttp.context, ipn(DOCS_IPN))).toEqual({
      verified: true,
      reference: 'Partner_Transaction_ID_1721720620078',
      amount: 1000,
      merchantCode: 'MOMOLT_TEST',
      result: 'SUCCEEDED',
      providerTransactionId: '4088878653',
      providerCode: '0',
      eventKey: 'Partner_Transaction_ID_1721720620078:4088878653:0',
    });
  });

  it('signs the refund request over accessKey, amount, description, orderId, partnerCode, requestId, transId', async () => {
    const { http, context } = scripted((body) => ({ body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, requestId: body.requestId, amount: body.amount, transId: 4088878999, resultCode: 0, message: 'Thành công.' } }));
    const report = await momoConnector.refund!(context, refundOf('LT0000000000RF', 100_000, '4088878653'));
    expect(report).toMatchObject({ result: 'SUCCEEDED', providerRefundId: '4088878999', providerCode: '0' });
    expect(http.sent[0]!.url).toBe('https://test-payment.momo.vn/v2/gateway/api/refund');
    expect(http.sent[0]!.body).toEqual({
      partnerCode: 'MOMOLT_TEST',
      orderId: 'LT0000000000RF',
      requestId: 'LT0000000000RF',
      amount: 100_000,
      transId: 4088878653,
      lang: 'vi',
      description: 'Hồ sơ không đủ điều kiện',
      signature: '7245f29641118e956943d93db099189e6808aa50597bfd5903b4d922101cfcc5',
    });
  });

  it('signs each status query over accessKey, orderId, partnerCode, requestId, with a new requestId every time', async () => {
    const { http, context } = scripted((body) => ({ body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, requestId: body.requestId, resultCode: 1000, amount: 150_000, transId: 0, message: 'Đang chờ.' } }));
    const attempt = { reference: 'LT0000000000AB', amount: 150_000, createdAt: new Date(), clientIp: '203.0.113.7', providerTransactionId: undefined, providerOrderId: undefined };
    await momoConnector.queryStatus(context, attempt);
    await momoConnector.queryStatus(context, attempt);
    const [first, second] = http.sent.map((sent) => sent.body);
    expect(first!.requestId).not.toBe(second!.requestId);
    for (const sent of http.sent) {
      expect(sent.url).toBe('https://test-payment.momo.vn/v2/gateway/api/query');
      const { requestId } = sent.body;
      const expected = createHmac('sha256', SETTINGS.secretKey).update(`accessKey=TESTACCESSKEY01&orderId=LT0000000000AB&partnerCode=MOMOLT_TEST&requestId=${String(requestId)}`).digest('hex');
      expect(sent.body).toEqual({ partnerCode: 'MOMOLT_TEST', requestId, orderId: 'LT0000000000AB', lang: 'vi', signature: expected });
    }
  });
});

describe('momo: the exact answer for each callback outcome', () => {
  const expected: Record<CallbackOutcome, { status: number; contentType?: string; body: string }> = {
    ACCEPTED: { status: 204, body: '' },
    ALREADY_CONFIRMED: { status: 204, body: '' },
    UNKNOWN_ORDER: { status: 404, contentType: 'text/plain; charset=utf-8', body: 'unknown orderId' },
    AMOUNT_MISMATCH: { status: 409, contentType: 'text/plain; charset=utf-8', body: 'amount does not match the order' },
    MERCHANT_MISMATCH: { status: 409, contentType: 'text/plain; charset=utf-8', body: 'partnerCode does not match' },
    INVALID_SIGNATURE: { status: 403, contentType: 'text/plain; charset=utf-8', body: 'invalid signature' },
    MALFORMED: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'malformed notification' },
    RETRY_LATER: { status: 503, contentType: 'text/plain; charset=utf-8', body: 'try again later' },
  };

  it.each(Object.entries(expected))('%s', (outcome, answer) => {
    expect(momoConnector.answerCallback(outcome as CallbackOutcome)).toStrictEqual(answer);
  });

  it('gives 204 only for facts the hub holds, and a 5xx only for RETRY_LATER', () => {
    for (const outcome of Object.keys(expected) as CallbackOutcome[]) {
      const { status } = momoConnector.answerCallback(outcome);
      expect(status === 204).toBe(outcome === 'ACCEPTED' || outcome === 'ALREADY_CONFIRMED');
      expect(status >= 500).toBe(outcome === 'RETRY_LATER');
    }
  });
});

describe('momo: resultCode mapping', () => {
  const payment: [number, string][] = [
    [0, 'SUCCEEDED'],
    ...[1000, 7000, 7002, 8000, 9000, 42].map((code): [number, string] => [code, 'PENDING']),
    ...[1001, 1002, 1003, 1004, 1005, 1006, 1007, 1017, 1026, 1080, 1081, 1088, 2019, 4001, 4002, 4100].map((code): [number, string] => [code, 'FAILED']),
    [99, 'PENDING'],
    [123456, 'PENDING'],
  ];

  it.each(payment)('IPN resultCode %i → %s', (resultCode, result) => {
    const notice = signNotice({ ...DOCS_IPN, resultCode, signature: '' });
    expect(momoConnector.parseCallback(noHttp.context, ipn(notice))).toMatchObject({ verified: true, result, providerCode: String(resultCode) });
  });

  it.each(payment.filter(([code]) => code !== 99))('query resultCode %i → %s', async (resultCode, result) => {
    const { context } = scripted((body) => ({ body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, requestId: body.requestId, resultCode, amount: 150_000, transId: resultCode === 0 ? 4088878653 : 0 } }));
    const report = await momoConnector.queryStatus(context, { reference: 'LT0000000000AB', amount: 150_000, createdAt: new Date(), clientIp: '', providerTransactionId: undefined, providerOrderId: undefined });
    expect(report).toMatchObject({ result, providerCode: String(resultCode), providerTransactionId: resultCode === 0 ? '4088878653' : undefined });
  });

  it.each([10, 11, 12, 13, 20, 40, 43, 47, 98, 99])('a query refused with resultCode %i is no answer: ProviderUnavailableError', async (resultCode) => {
    const { context } = scripted((body) => ({ status: 400, body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, resultCode, message: 'refused' } }));
    await expect(momoConnector.queryStatus(context, { reference: 'LT0000000000AB', amount: 1, createdAt: new Date(), clientIp: '', providerTransactionId: undefined, providerOrderId: undefined })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it.each([
    [0, 'SUCCEEDED'],
    ...[11, 12, 13, 20, 21, 22, 41, 42, 45, 47, 1080, 1081, 1088].map((code): [number, string] => [code, 'FAILED']),
    ...[10, 40, 43, 99, 7000, 7002, 123456].map((code): [number, string] => [code, 'PENDING']),
  ])('refund resultCode %i → %s', async (resultCode, result) => {
    const { context } = scripted((body) => ({ status: resultCode === 0 ? 200 : 400, body: { partnerCode: SETTINGS.partnerCode, orderId: body.orderId, resultCode } }));
    expect(await momoConnector.refund!(context, refundOf('LT0000000000RF', 100_000, '4088878653'))).toMatchObject({ result, providerCode: String(resultCode) });
  });
});

describe('momo: protocol details', () => {
  it("makes references 'LT' + token, valid MoMo orderIds", () => {
    expect(momoConnector.reference('0000000000AB', new Date())).toBe('LT0000000000AB');
    expect(() => momoConnector.reference('not a token!', new Date())).toThrow(RangeError);
  });

  it('sends whole VND (no ×100) and refuses a fractional amount before calling MoMo', async () => {
    await expect(momoConnector.createCheckout(noHttp.context, order({ amount: 1500.5 }))).rejects.toThrow(RangeError);
    expect(noHttp.http.sent).toHaveLength(0);
  });

  it('trims orderInfo to one line of at most 200 characters', async () => {
    const { http, context } = scripted((body) => ({ body: { orderId: body.orderId, resultCode: 0, payUrl: 'https://test-payment.momo.vn/pay' } }));
    await momoConnector.createCheckout(context, order({ description: `Lệ phí\r\n\tcấp ${'đ'.repeat(300)}` }));
    const orderInfo = http.sent[0]!.body.orderInfo as string;
    expect(Array.from(orderInfo)).toHaveLength(200);
    expect(orderInfo.startsWith('Lệ phí cấp đđ')).toBe(true);
  });

  it('reads an answer MoMo did not give for this call as unusable', async () => {
    const answers: { status?: number; body: unknown }[] = [
      { status: 502, body: '<html>Bad Gateway</html>' },
      { status: 403, body: '<html>Forbidden</html>' },
      { body: { resultCode: 0, orderId: 'LT0000000000XX', payUrl: 'https://test-payment.momo.vn/pay' } },
      { body: { resultCode: 0, orderId: 'LT0000000000AB', partnerCode: 'SOMEONE_ELSE', payUrl: 'https://test-payment.momo.vn/pay' } },
      { body: { resultCode: 0, orderId: 'LT0000000000AB', payUrl: 'javascript:alert(1)' } },
      { body: { orderId: 'LT0000000000AB', payUrl: 'https://test-payment.momo.vn/pay' } },
    ];
    for (const answer of answers) {
      const { context } = scripted(() => answer);
      await expect(momoConnector.createCheckout(context, order())).rejects.toBeInstanceOf(ProviderUnavailableError);
    }
  });

  it('does not trust notices it cannot read exactly', () => {
    const unsafeTransId = JSON.stringify(signNotice({ ...DOCS_IPN, signature: '' })).replace('"transId":4088878653', '"transId":90071992547409931');
    const cases: [RawHttpRequest, string, string | undefined][] = [
      [ipn(unsafeTransId), 'MALFORMED', DOCS_IPN.orderId],
      [ipn({ ...DOCS_IPN, signature: undefined }), 'MALFORMED', DOCS_IPN.orderId],
      [ipn({ ...DOCS_IPN, amount: '1000.0' }), 'MALFORMED', DOCS_IPN.orderId],
      [ipn({ ...DOCS_IPN, amount: -1000 }), 'MALFORMED', DOCS_IPN.orderId],
      [ipn({ ...DOCS_IPN, signature: DOCS_IPN.signature.slice(1) }), 'INVALID_SIGNATURE', DOCS_IPN.orderId],
      [ipn({ ...DOCS_IPN, partnerCode: 'MOMOLT_TEST2' }), 'INVALID_SIGNATURE', DOCS_IPN.orderId],
      [{ ...ipn(DOCS_IPN), method: 'GET' }, 'MALFORMED', undefined],
      [ipn('null'), 'MALFORMED', undefined],
    ];
    for (const [request, problem, reference] of cases) {
      expect(momoConnector.parseCallback(noHttp.context, request)).toEqual({ verified: false, problem, reference });
    }
  });

  it('reads the browser return only as a GET with each field once', () => {
    const query = new URLSearchParams(Object.entries(DOCS_IPN).map(([name, value]) => [name, String(value)])).toString();
    const browser = (url: string): RawHttpRequest => ({ method: 'GET', url, headers: {}, body: '' });
    expect(momoConnector.parseReturn(noHttp.context, browser(`/v1/payments/return/momo?${query}`))).toMatchObject({ verified: true, amount: 1000, result: 'SUCCEEDED' });
    expect(momoConnector.parseReturn(noHttp.context, browser(`/v1/payments/return/momo?${query}&amount=1000`))).toMatchObject({ verified: false, problem: 'MALFORMED' });
    expect(momoConnector.parseReturn(noHttp.context, browser(`/v1/payments/return/momo?${query.replace('amount=1000', 'amount=2000')}`))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
    expect(momoConnector.parseReturn(noHttp.context, ipn(DOCS_IPN))).toMatchObject({ verified: false, problem: 'MALFORMED' });
  });

  it('publishes a settings schema with the contract names and nothing else', () => {
    expect(momoConnector.settingsSchema).toMatchObject({ additionalProperties: false, required: ['partnerCode', 'accessKey', 'secretKey', 'baseUrl'] });
    expect(Object.keys(momoConnector.settingsSchema.properties as object).sort()).toEqual(['accessKey', 'baseUrl', 'partnerCode', 'secretKey']);
    expect(momoConnector.merchantCode(SETTINGS)).toBe('MOMOLT_TEST');
  });
});

describe('momo: against the simulator', () => {
  let simulator: MomoSimulator;
  let ipnServer: http.Server;
  const received: { method: string | undefined; contentType: string | undefined; body: string }[] = [];
  const http1 = new UndiciProviderHttp(2_000);
  let context: ConnectorContext;

  beforeAll(async () => {
    ipnServer = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method, contentType: request.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
        const answer = momoConnector.answerCallback('ACCEPTED');
        response.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {}).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => ipnServer.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(ipnServer.address() as AddressInfo).port}`;
    const urls = { callbackUrl: `${base}/v1/callbacks/momo`, returnUrl: `${base}/v1/payments/return/momo` };
    simulator = await startMomoSimulator(urls);
    context = { settings: simulator.settings, http: http1, now: new Date(), ...urls };
  });

  afterAll(async () => {
    await simulator.stop();
    await http1.close();
    ipnServer.closeAllConnections();
    await new Promise((resolve) => ipnServer.close(resolve));
  });

  const freshOrder = (amount = 150_000): CheckoutOrder => order({ reference: momoConnector.reference(testToken(), new Date()), amount });

  it('gets its IPN as a POST of JSON and answers 204, which MoMo counts as delivered', async () => {
    const paying = freshOrder();
    const { callback } = await simulator.complete(await momoConnector.createCheckout(context, paying), paying, 'success');
    expect(received.at(-1)).toEqual({ method: 'POST', contentType: 'application/json', body: callback!.body });
    expect(simulator.ipnDeliveries.at(-1)).toEqual({ orderId: paying.reference, resultCode: 0, status: 204 });
  });

  it('serves the payment page for a live order only', async () => {
    const paying = freshOrder(215_000);
    const checkout = await momoConnector.createCheckout(context, paying);
    const page = await fetch(checkout.redirectUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(paying.reference);
    expect((await fetch(`${String(simulator.settings.baseUrl)}/v2/gateway/pay?t=forged`)).status).toBe(400);
    await simulator.complete(checkout, paying, 'failure');
    await expect(simulator.complete(checkout, paying, 'success')).rejects.toThrow(/refused/);
  });

  it('makes a retried create the same MoMo request, and a different order under the same reference a refusal', async () => {
    const paying = freshOrder();
    const first = await momoConnector.createCheckout(context, paying);
    expect(await momoConnector.createCheckout(context, paying)).toEqual(first);
    await expect(momoConnector.createCheckout(context, { ...paying, amount: paying.amount + 1000 })).rejects.toThrow(/resultCode 40/);
  });

  it('is refused by MoMo when it signs with the wrong key, names another partner or asks for an amount out of range', async () => {
    const wrongKey = { ...context, settings: { ...simulator.settings, secretKey: 'not-the-key' } };
    await expect(momoConnector.createCheckout(wrongKey, freshOrder())).rejects.toThrow(/resultCode 13/);
    const otherPartner = { ...context, settings: { ...simulator.settings, partnerCode: 'MOMO_OTHER' } };
    await expect(momoConnector.createCheckout(otherPartner, freshOrder())).rejects.toThrow(/resultCode 11/);
    await expect(momoConnector.createCheckout(context, freshOrder(500))).rejects.toThrow(/resultCode 22/);
    await expect(momoConnector.createCheckout(context, freshOrder(60_000_000))).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('cannot be paid for another amount than the order it created', async () => {
    const paying = freshOrder();
    const checkout = await momoConnector.createCheckout(context, paying);
    await expect(simulator.complete(checkout, { ...paying, amount: 1000 }, 'success')).rejects.toThrow(/150000 VND/);
  });

  it('queries PENDING before payment and SUCCEEDED after, with the amount and MoMo transId', async () => {
    const paying = freshOrder(99_000);
    const checkout = await momoConnector.createCheckout(context, paying);
    const attempt = { reference: paying.reference, amount: paying.amount, createdAt: paying.createdAt, clientIp: paying.clientIp, providerTransactionId: undefined, providerOrderId: undefined };
    expect(await momoConnector.queryStatus(context, attempt)).toMatchObject({ result: 'PENDING', providerCode: '1000' });
    const { callback } = await simulator.complete(checkout, paying, 'success');
    const notice = momoConnector.parseCallback(context, callback!);
    const report = await momoConnector.queryStatus(context, attempt);
    expect(report).toMatchObject({ result: 'SUCCEEDED', amount: 99_000, providerCode: '0' });
    expect(notice).toMatchObject({ verified: true, providerTransactionId: report.providerTransactionId, eventKey: report.eventKey });
    expect((await momoConnector.queryStatus(context, { ...attempt, reference: 'LTNEVERCREATED' })).result).toBe('PENDING');
  });

  it('refunds by a transId it looks up when the attempt lacks one; a retried refund is one refund; over-refunding fails', async () => {
    const paying = freshOrder(300_000);
    await simulator.complete(await momoConnector.createCheckout(context, paying), paying, 'success');
    const refund = { ...refundOf(momoConnector.reference(testToken(), new Date()), 200_000, undefined, paying.reference) };
    expect(await momoConnector.refund!(context, refund)).toMatchObject({ result: 'SUCCEEDED', providerCode: '0' });
    expect(await momoConnector.refund!(context, refund)).toMatchObject({ result: 'SUCCEEDED', providerCode: '0' });
    expect(simulator.refunds.filter((entry) => entry.reference === refund.reference)).toEqual([{ reference: refund.reference, amount: 200_000 }]);
    const tooMuch = refundOf(momoConnector.reference(testToken(), new Date()), 200_000, undefined, paying.reference);
    expect(await momoConnector.refund!(context, tooMuch)).toMatchObject({ result: 'FAILED', providerCode: '1081' });
  });

  it('reports a refund of an order MoMo never saw paid as FAILED without asking MoMo to refund', async () => {
    const unpaid = freshOrder();
    await momoConnector.createCheckout(context, unpaid);
    const before = simulator.refunds.length;
    expect(await momoConnector.refund!(context, refundOf(momoConnector.reference(testToken(), new Date()), 10_000, undefined, unpaid.reference))).toMatchObject({ result: 'FAILED', providerCode: '1000' });
    expect(simulator.refunds).toHaveLength(before);
  });
});
