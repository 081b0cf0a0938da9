import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttemptRef,
  type CallbackOutcome,
  type CheckoutOrder,
  type ConnectorContext,
  type ProviderHttp,
  type ProviderHttpResponse,
  ProviderUnavailableError,
  type RawHttpRequest,
} from '../../adapters/payment/connector';
import { zalopayConnector } from '../../adapters/payment/zalopay/zalopay-connector';
import { UndiciProviderHttp } from '../../src/payments/provider-http';
import { describeConnectorContract, testToken } from '../support/payment-contract';
import type { ConnectorHarness } from '../support/payment-simulators/simulator';
import { startZalopaySimulator } from '../support/payment-simulators/zalopay-simulator';

const connector = zalopayConnector;

/** The same callback with a larger `amount` inside `data` and the original mac. */
function tamperAmount(callback: RawHttpRequest): RawHttpRequest {
  const envelope = JSON.parse(callback.body) as { data: string; mac: string; type: number };
  const data = envelope.data.replace(/"amount":(\d+)/, (_, amount: string) => `"amount":${Number(amount) + 1000}`);
  if (data === envelope.data) throw new Error('the callback data carries no amount to tamper with');
  return { ...callback, body: JSON.stringify({ ...envelope, data }) };
}

const harness: ConnectorHarness = {
  connector,
  startSimulator: startZalopaySimulator,
  tamperAmount,
  apis: ['create', 'query', 'refund'],
  notifiesFailures: false,
};

describeConnectorContract('zalopay', harness);

const hmac = (key: string, input: string) => createHmac('sha256', key).update(input).digest('hex');

/** A ProviderHttp that records what the connector sends and answers from a script. */
class ScriptedHttp implements ProviderHttp {
  readonly sent: { url: string; headers: Record<string, string> | undefined; form: URLSearchParams }[] = [];
  constructor(private readonly answer: (url: string) => ProviderHttpResponse) {}

  async request(request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse> {
    this.sent.push({ url: request.url, headers: request.headers, form: new URLSearchParams(request.body ?? '') });
    return this.answer(request.url);
  }
}

const json = (body: unknown, status = 200): ProviderHttpResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const SETTINGS = { appId: 2553, key1: 'PcY4iZIKFCIdgZvA6ueMcMHHUbRLYjPL', key2: 'kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz', baseUrl: 'https://sb-openapi.zalopay.vn' };

function scriptedContext(http: ProviderHttp, now = new Date('2026-01-01T03:00:00Z')): ConnectorContext {
  return { settings: SETTINGS, http, now, callbackUrl: 'https://hub.example/v1/callbacks/zalopay', returnUrl: 'https://hub.example/v1/payments/return/zalopay' };
}

function attempt(reference: string, providerTransactionId?: string): AttemptRef {
  return { reference, amount: 50_000, createdAt: new Date('2026-01-01T03:00:00Z'), clientIp: '203.0.113.7', providerTransactionId, providerOrderId: undefined };
}

function callbackRequest(data: string, mac: string, type: number = 1): RawHttpRequest {
  return { method: 'POST', url: '/v1/callbacks/zalopay', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data, mac, type }) };
}

describe('zalopay: published test vectors (payments.md)', () => {
  const data =
    '{"app_id":2553,"app_trans_id":"200904_2553_1598435687208","app_time":1599189392817,"app_user":"demo","amount":10000,"embed_data":"{\\"merchantinfo\\":\\"embeddata123\\",\\"promotioninfo\\":\\"\\"}","item":"[{\\"itemid\\":\\"knb\\",\\"itemname\\":\\"kim nguyen bao\\",\\"itemprice\\":198400,\\"itemquantity\\":1}]","zp_trans_id":200904000000389,"server_time":1599189413498,"channel":38,"merchant_user_id":"7ZMSl3nEg5sOUJzOLSoUFT8xKNQVaLOLXHB--8Eytqc","user_fee_amount":0,"discount_amount":0}';
  const mac = 'd8d33baf449b31d7f9b94fa50d7c942c08cd4d83f28fa185557da21acb104f67';
  const context = scriptedContext(new ScriptedHttp(() => json({})));

  it('verifies the ZaloPay callback sample (key2 + data → mac) and reads it', () => {
    expect(connector.parseCallback(context, callbackRequest(data, mac))).toEqual({
      verified: true,
      reference: '200904_2553_1598435687208',
      amount: 10_000,
      merchantCode: '2553',
      result: 'SUCCEEDED',
      providerTransactionId: '200904000000389',
      providerCode: undefined,
      eventKey: '200904_2553_1598435687208:200904000000389:SUCCEEDED',
    });
  });

  it('verifies the envelope however it is laid out, since only the data string is signed', () => {
    const pretty = { ...callbackRequest(data, mac), body: JSON.stringify({ type: 1, mac: mac.toUpperCase(), data }, null, 2) };
    expect(connector.parseCallback(context, pretty)).toMatchObject({ verified: true, amount: 10_000 });
  });

  it('refuses the same data re-serialized: the mac covers the exact bytes', () => {
    const reserialized = JSON.stringify(JSON.parse(data), null, 1);
    expect(connector.parseCallback(context, callbackRequest(reserialized, mac))).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: '200904_2553_1598435687208' });
  });

  it('refuses the sample under another key2', () => {
    const other = { ...context, settings: { ...SETTINGS, key2: `${SETTINGS.key2}x` } };
    expect(connector.parseCallback(other, callbackRequest(data, mac))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });
});

describe('zalopay: the exact answer for each CallbackOutcome', () => {
  const expected: Record<CallbackOutcome, string> = {
    ACCEPTED: '{"return_code":1,"return_message":"success"}',
    ALREADY_CONFIRMED: '{"return_code":2,"return_message":"already confirmed"}',
    UNKNOWN_ORDER: '{"return_code":-1,"return_message":"order not found"}',
    AMOUNT_MISMATCH: '{"return_code":-1,"return_message":"amount mismatch"}',
    MERCHANT_MISMATCH: '{"return_code":-1,"return_message":"app_id mismatch"}',
    INVALID_SIGNATURE: '{"return_code":-1,"return_message":"mac not equal"}',
    MALFORMED: '{"return_code":-1,"return_message":"invalid data"}',
    RETRY_LATER: '{"return_code":0,"return_message":"retry later"}',
  };

  it.each(Object.entries(expected))('%s → HTTP 200 %s', (outcome, body) => {
    expect(connector.answerCallback(outcome as CallbackOutcome)).toEqual({ status: 200, contentType: 'application/json', body });
  });

  describe('as ZaloPay reads them', () => {
    let hub: http.Server;
    let hubUrl: string;
    let answers: CallbackOutcome[] = [];
    let received = 0;
    const providerHttp = new UndiciProviderHttp(2_000);

    beforeAll(async () => {
      hub = http.createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          const answer = connector.answerCallback(answers[Math.min(received, answers.length - 1)]!);
          received += 1;
          response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' }).end(answer.body);
        });
      });
      await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
      hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await providerHttp.close();
      hub.closeAllConnections();
      await new Promise((resolve) => hub.close(resolve));
    });

    async function payWhileHubAnswers(outcomes: CallbackOutcome[]): Promise<number> {
      answers = outcomes;
      received = 0;
      const simulator = await startZalopaySimulator({ callbackUrl: `${hubUrl}/v1/callbacks/zalopay`, returnUrl: `${hubUrl}/v1/payments/return/zalopay` });
      try {
        const context: ConnectorContext = { settings: simulator.settings, http: providerHttp, now: new Date(), callbackUrl: `${hubUrl}/v1/callbacks/zalopay`, returnUrl: `${hubUrl}/v1/payments/return/zalopay` };
        const createdAt = new Date();
        const order: CheckoutOrder = { reference: connector.reference(testToken(), createdAt), amount: 20_000, description: 'Lệ phí', clientIp: '203.0.113.7', locale: 'vi', createdAt, expiresAt: new Date(createdAt.getTime() + 900_000) };
        await simulator.complete(await connector.createCheckout(context, order), order, 'success');
        return received;
      } finally {
        await simulator.stop();
      }
    }

    it('RETRY_LATER makes ZaloPay call again; the next ACCEPTED ends it', async () => {
      expect(await payWhileHubAnswers(['RETRY_LATER', 'ACCEPTED'])).toBe(2);
    });

    it('RETRY_LATER every time: ZaloPay gives up after 3 more calls', async () => {
      expect(await payWhileHubAnswers(['RETRY_LATER'])).toBe(4);
    });

    it.each(['ACCEPTED', 'ALREADY_CONFIRMED', 'INVALID_SIGNATURE', 'AMOUNT_MISMATCH'] as const)('%s ends the callbacks at once', async (outcome) => {
      expect(await payWhileHubAnswers([outcome])).toBe(1);
    });
  });
});

describe('zalopay: status codes', () => {
  async function queried(answer: Record<string, unknown>) {
    return connector.queryStatus(scriptedContext(new ScriptedHttp(() => json(answer))), attempt('260101_ABC'));
  }

  it.each([
    [1, 'SUCCEEDED'],
    [2, 'FAILED'],
    [3, 'PENDING'],
    [0, 'PENDING'],
    [4, 'PENDING'],
    [-1, 'PENDING'],
  ] as const)('/v2/query return_code %i → %s', async (returnCode, result) => {
    const report = await queried({ return_code: returnCode, return_message: '', sub_return_code: returnCode === 2 ? -54 : returnCode, sub_return_message: '', amount: 50_000, zp_trans_id: returnCode === 1 ? 260101000000001 : 0 });
    expect(report.result).toBe(result);
    expect(report.providerTransactionId).toBe(returnCode === 1 ? '260101000000001' : undefined);
    expect(report.providerCode).toBe(returnCode === 1 ? undefined : String(returnCode === 2 ? -54 : returnCode));
  });

  it.each([-401, -402, -429, -500, -999])('/v2/query refusing the request itself (sub_return_code %i) is not a failed payment', async (subCode) => {
    await expect(queried({ return_code: 2, return_message: 'Giao dịch thất bại', sub_return_code: subCode, sub_return_message: 'x' })).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('an answer without return_code, not JSON, or not HTTP 200 is unusable', async () => {
    await expect(queried({ amount: 1 })).rejects.toBeInstanceOf(ProviderUnavailableError);
    for (const response of [{ status: 200, headers: {}, body: '<html>' }, json({ return_code: 1 }, 502)]) {
      await expect(connector.queryStatus(scriptedContext(new ScriptedHttp(() => response)), attempt('260101_ABC'))).rejects.toBeInstanceOf(ProviderUnavailableError);
    }
  });

  it.each([
    [1, 'SUCCEEDED'],
    [2, 'FAILED'],
    [3, 'PENDING'],
    [0, 'PENDING'],
    [9, 'PENDING'],
  ] as const)('/v2/refund return_code %i → %s', async (returnCode, result) => {
    const http = new ScriptedHttp(() => json({ return_code: returnCode, return_message: '', sub_return_code: returnCode, sub_return_message: '', refund_id: 123456789 }));
    const report = await connector.refund!(scriptedContext(http), { reference: '260101_R1', amount: 1_000, attempt: attempt('260101_ABC', '260101000000001'), paidAmount: 50_000, paidAt: new Date(), reason: 'Hồ sơ bị trả', requestedBy: 'x' });
    expect(report).toMatchObject({ result, providerRefundId: '123456789', providerCode: returnCode === 1 ? undefined : String(returnCode) });
  });

  function redirect(status: string, key2 = SETTINGS.key2): RawHttpRequest {
    const values = ['2553', '260101_ABC', '38', '', '50000', '0', status];
    const query = new URLSearchParams({ amount: '50000', appid: '2553', apptransid: '260101_ABC', bankcode: '', checksum: hmac(key2, values.join('|')), discountamount: '0', pmcid: '38', status });
    return { method: 'GET', url: `/v1/payments/return/zalopay?${query}`, headers: {}, body: '' };
  }

  it.each([
    ['1', 'SUCCEEDED'],
    ['-49', 'PENDING'],
    ['-217', 'PENDING'],
    ['3', 'PENDING'],
  ] as const)('browser redirect status %s → %s (a failure is learned by query)', (status, result) => {
    const notice = connector.parseReturn(scriptedContext(new ScriptedHttp(() => json({}))), redirect(status));
    expect(notice).toMatchObject({ verified: true, reference: '260101_ABC', amount: 50_000, merchantCode: '2553', result, providerCode: status === '1' ? undefined : status });
  });

  it('refuses a redirect with another checksum, or one missing a field, without throwing', () => {
    const context = scriptedContext(new ScriptedHttp(() => json({})));
    expect(connector.parseReturn(context, redirect('1', 'other-key'))).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: '260101_ABC' });
    const missing = { ...redirect('1'), url: redirect('1').url.replace('pmcid=38&', '') };
    expect(connector.parseReturn(context, missing)).toMatchObject({ verified: false, problem: 'MALFORMED' });
    expect(connector.parseReturn(context, { method: 'GET', url: '/v1/payments/return/zalopay?apptransid=%ZZ', headers: {}, body: '' })).toMatchObject({ verified: false });
  });
});

describe('zalopay: protocol details', () => {
  const createdAt = new Date('2026-01-01T03:00:00Z');
  const order: CheckoutOrder = { reference: '260101_0000000000AB', amount: 150_000, description: 'Lệ phí cấp giấy phép lái xe', clientIp: '203.0.113.7', locale: 'vi', createdAt, expiresAt: new Date(createdAt.getTime() + 15 * 60_000) };
  const created = { return_code: 1, return_message: 'Giao dịch thành công', sub_return_code: 1, sub_return_message: 'Giao dịch thành công', zp_trans_token: 'ACdrmzS_TGxHZyafUiHs3OjQ', order_url: 'https://qcgateway.zalopay.vn/openinapp?order=eyJ6cHRyYW5zdG9rZW4iOiJBQ2RybXpTX1RHeEhaeWFmVWlIczNPalEiLCJhcHBpZCI6MTU4NDd9', order_token: 'ACdrmzS_TGxHZyafUiHs3OjQ' };

  it('dates app_trans_id in Vietnam time (GMT+7), whatever the server clock zone', () => {
    expect(connector.reference('0000000000AB', new Date('2025-12-31T16:59:59.999Z'))).toBe('251231_0000000000AB');
    expect(connector.reference('0000000000AB', new Date('2025-12-31T17:00:00.000Z'))).toBe('260101_0000000000AB');
    expect(connector.reference('ZZZZZZZZZZZZ', new Date('2024-02-29T12:00:00Z'))).toBe('240229_ZZZZZZZZZZZZ');
    expect(() => connector.reference('bad token!', new Date())).toThrow();
    expect(() => connector.reference('A'.repeat(34), new Date())).toThrow();
    expect(connector.reference('A'.repeat(33), new Date())).toHaveLength(40);
  });

  it('creates the order as a signed form: integer VND, app_time in ms, embed_data with the return URL', async () => {
    const http = new ScriptedHttp(() => json(created));
    const checkout = await connector.createCheckout(scriptedContext(http), order);
    expect(checkout).toEqual({ redirectUrl: created.order_url, providerOrderId: created.zp_trans_token });
    const [sent] = http.sent;
    expect(sent!.url).toBe('https://sb-openapi.zalopay.vn/v2/create');
    expect(sent!.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded' });
    const form = Object.fromEntries(sent!.form);
    expect(form).toEqual({
      app_id: '2553',
      app_user: 'lienthong',
      app_trans_id: '260101_0000000000AB',
      app_time: String(createdAt.getTime()),
      amount: '150000',
      item: '[]',
      embed_data: '{"redirecturl":"https://hub.example/v1/payments/return/zalopay"}',
      description: 'Lệ phí cấp giấy phép lái xe',
      bank_code: '',
      callback_url: 'https://hub.example/v1/callbacks/zalopay',
      expire_duration_seconds: '900',
      mac: hmac(SETTINGS.key1, `2553|260101_0000000000AB|lienthong|150000|${createdAt.getTime()}|{"redirecturl":"https://hub.example/v1/payments/return/zalopay"}|[]`),
    });
  });

  it('fits the hub window into ZaloPay expiry bounds (300 s to 30 days)', async () => {
    const http = new ScriptedHttp(() => json(created));
    await connector.createCheckout(scriptedContext(http), { ...order, expiresAt: new Date(createdAt.getTime() + 60_000) });
    await connector.createCheckout(scriptedContext(http), { ...order, expiresAt: new Date(createdAt.getTime() + 90 * 86_400_000) });
    expect(http.sent.map((s) => s.form.get('expire_duration_seconds'))).toEqual(['300', '2592000']);
  });

  it('throws ProviderUnavailableError with ZaloPay sub_return_message when it refuses the order', async () => {
    const http = new ScriptedHttp(() => json({ return_code: 2, return_message: 'Giao dịch thất bại', sub_return_code: -68, sub_return_message: 'Mã giao dịch bị trùng' }));
    const refused = connector.createCheckout(scriptedContext(http), order);
    await expect(refused).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(refused).rejects.toThrow(/-68: Mã giao dịch bị trùng/);
    await expect(connector.createCheckout(scriptedContext(new ScriptedHttp(() => json({ ...created, order_url: 'javascript:alert(1)' }))), order)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('refuses to create an order for a non-integer or non-positive amount', async () => {
    const http = new ScriptedHttp(() => json(created));
    for (const amount of [0, -1, 1.5, Number.NaN]) await expect(connector.createCheckout(scriptedContext(http), { ...order, amount })).rejects.toThrow(/positive integer/);
    expect(http.sent).toHaveLength(0);
  });

  it('queries with mac = HMAC(key1, app_id|app_trans_id|key1)', async () => {
    const http = new ScriptedHttp(() => json({ return_code: 1, return_message: '', sub_return_code: 1, sub_return_message: '', amount: 150_000, zp_trans_id: 260101000000007, is_processing: false }));
    const report = await connector.queryStatus(scriptedContext(http), attempt('260101_0000000000AB'));
    expect(report).toMatchObject({ result: 'SUCCEEDED', amount: 150_000, providerTransactionId: '260101000000007', eventKey: '260101_0000000000AB:260101000000007:SUCCEEDED' });
    expect(Object.fromEntries(http.sent[0]!.form)).toEqual({ app_id: '2553', app_trans_id: '260101_0000000000AB', mac: hmac(SETTINGS.key1, `2553|260101_0000000000AB|${SETTINGS.key1}`) });
  });

  it('refunds with m_refund_id yymmdd_appid_token and mac over app_id|zp_trans_id|amount|description|timestamp', async () => {
    const now = new Date('2026-01-01T04:00:00Z');
    const http = new ScriptedHttp(() => json({ return_code: 1, return_message: '', sub_return_code: 1, sub_return_message: '', refund_id: 987 }));
    const reference = connector.reference('00000000R001', now);
    await connector.refund!(scriptedContext(http, now), { reference, amount: 40_000, attempt: attempt('260101_0000000000AB', '260101000000007'), paidAmount: 150_000, paidAt: now, reason: 'Hồ sơ bị trả', requestedBy: 'x' });
    expect(Object.fromEntries(http.sent[0]!.form)).toEqual({
      app_id: '2553',
      m_refund_id: '260101_2553_00000000R001',
      zp_trans_id: '260101000000007',
      amount: '40000',
      timestamp: String(now.getTime()),
      description: 'Hồ sơ bị trả',
      mac: hmac(SETTINGS.key1, `2553|260101000000007|40000|Hồ sơ bị trả|${now.getTime()}`),
    });
  });

  it('reads callbacks of another type, or without a usable amount or transaction id, as MALFORMED', () => {
    const context = scriptedContext(new ScriptedHttp(() => json({})));
    const signed = (data: string, type = 1) => callbackRequest(data, hmac(SETTINGS.key2, data), type);
    const good = { app_id: 2553, app_trans_id: '260101_X', amount: 1000, zp_trans_id: 260101000000001 };
    expect(connector.parseCallback(context, signed(JSON.stringify(good)))).toMatchObject({ verified: true, amount: 1000 });
    expect(connector.parseCallback(context, signed(JSON.stringify(good), 2))).toEqual({ verified: false, problem: 'MALFORMED', reference: '260101_X' });
    for (const bad of [{ ...good, amount: '1000' }, { ...good, amount: 10.5 }, { ...good, zp_trans_id: undefined }, { ...good, app_trans_id: 7 }]) {
      expect(connector.parseCallback(context, signed(JSON.stringify(bad)))).toMatchObject({ verified: false, problem: 'MALFORMED' });
    }
    expect(connector.parseCallback(context, signed('not json'))).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
  });
});

describe('zalopay: the simulator refuses what ZaloPay refuses', () => {
  const providerHttp = new UndiciProviderHttp(2_000);
  let simulator: Awaited<ReturnType<typeof startZalopaySimulator>>;
  let context: ConnectorContext;

  beforeAll(async () => {
    simulator = await startZalopaySimulator({ callbackUrl: 'http://127.0.0.1:9/v1/callbacks/zalopay', returnUrl: 'http://127.0.0.1:9/v1/payments/return/zalopay' });
    context = { settings: simulator.settings, http: providerHttp, now: new Date(), callbackUrl: 'http://127.0.0.1:9/v1/callbacks/zalopay', returnUrl: 'http://127.0.0.1:9/v1/payments/return/zalopay' };
  });

  afterAll(async () => {
    await simulator.stop();
    await providerHttp.close();
  });

  function newOrder(amount = 80_000, createdAt = new Date()): CheckoutOrder {
    return { reference: connector.reference(testToken(), createdAt), amount, description: 'Lệ phí', clientIp: '203.0.113.7', locale: 'vi', createdAt, expiresAt: new Date(createdAt.getTime() + 900_000) };
  }

  it('an order signed with another key1', async () => {
    const wrongKey = { ...context, settings: { ...simulator.settings, key1: 'not-the-key' } };
    await expect(connector.createCheckout(wrongKey, newOrder())).rejects.toThrow(/-402/);
  });

  it('an order for another app_id, a reused app_trans_id, or one dated another day', async () => {
    await expect(connector.createCheckout({ ...context, settings: { ...simulator.settings, appId: 1 } }, newOrder())).rejects.toThrow(/-402/);
    const order = newOrder();
    await connector.createCheckout(context, order);
    await expect(connector.createCheckout(context, order)).rejects.toThrow(/-68/);
    const stale = new Date(Date.now() - 86_400_000);
    await expect(connector.createCheckout(context, newOrder(80_000, stale))).rejects.toThrow(/-54/);
  });

  it('paying a checkout for another amount or with a forged order_url', async () => {
    const order = newOrder();
    const checkout = await connector.createCheckout(context, order);
    await expect(simulator.complete(checkout, { ...order, amount: 1 }, 'success', { deliver: false })).rejects.toThrow(/VND/);
    const forged = `${new URL(checkout.redirectUrl!).origin}/openinapp?order=${Buffer.from('{"zptranstoken":"nope","appid":1}').toString('base64')}`;
    await expect(simulator.complete({ ...checkout, redirectUrl: forged }, order, 'success', { deliver: false })).rejects.toThrow(/HTTP 400/);
  });

  it('refunds more than was paid; refunds of an unknown transaction id are refused too', async () => {
    const order = newOrder(50_000);
    const { callback } = await simulator.complete(await connector.createCheckout(context, order), order, 'success', { deliver: false });
    const notice = connector.parseCallback(context, callback!);
    const refundOf = (amount: number, providerTransactionId: string | undefined) => ({
      reference: connector.reference(testToken(), new Date()),
      amount,
      attempt: { reference: order.reference, amount: order.amount, createdAt: order.createdAt, clientIp: order.clientIp, providerTransactionId, providerOrderId: undefined },
      paidAmount: 50_000,
      paidAt: new Date(),
      reason: 'Hoàn phí',
      requestedBy: 'x',
    });
    const zpTransId = notice.verified ? notice.providerTransactionId : undefined;
    expect(await connector.refund!(context, refundOf(50_001, zpTransId))).toMatchObject({ result: 'FAILED' });
    expect(await connector.refund!(context, refundOf(1_000, '999999999999999'))).toMatchObject({ result: 'FAILED', providerCode: '-101' });
    // Without a known zp_trans_id the connector asks /v2/query for it first.
    expect(await connector.refund!(context, refundOf(50_000, undefined))).toMatchObject({ result: 'SUCCEEDED' });
  });
});
