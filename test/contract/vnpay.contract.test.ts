import { createHmac } from 'node:crypto';
import Ajv from 'ajv';
import {
  type AttemptRef,
  type CallbackOutcome,
  type CheckoutOrder,
  type ConnectorContext,
  type ProviderHttp,
  type ProviderHttpResponse,
  ProviderUnavailableError,
  type RawHttpRequest,
  type RefundOrder,
} from '../../adapters/payment/connector';
import { vnpayConnector } from '../../adapters/payment/vnpay/vnpay-connector';
import { hmacSha512Hex, signedQueryString } from '../../adapters/payment/vnpay/vnpay-signing';
import { UndiciProviderHttp } from '../../src/payments/provider-http';
import { describeConnectorContract, testToken } from '../support/payment-contract';
import { startVnpaySimulator } from '../support/payment-simulators/vnpay-simulator';

const connector = vnpayConnector;

describeConnectorContract('vnpay', {
  connector,
  startSimulator: startVnpaySimulator,
  tamperAmount: (callback) => {
    const url = callback.url.replace(/([?&]vnp_Amount=)(\d+)/, (_, prefix: string, amount: string) => `${prefix}${BigInt(amount) + 100_000n}`);
    if (url === callback.url) throw new Error('the callback has no vnp_Amount to tamper with');
    return { ...callback, url };
  },
  apis: ['query', 'refund'],
  notifiesFailures: true,
});

// ---- helpers, written independently of the connector's code -------------------------------

const SECRET = 'LIENTHONGTESTSECRET0123456789ABC';
const settings = { tmnCode: 'LTTEST01', hashSecret: SECRET, baseUrl: 'https://sandbox.vnpayment.vn', apiUrl: 'https://sandbox.vnpayment.vn/merchant_webapi/api/transaction' };
const hmac = (secret: string, data: string) => createHmac('sha512', secret).update(data, 'utf8').digest('hex');

/** VNPay's query signing as its Node SDK does it: sorted, URLSearchParams serialization. */
function signQuery(secret: string, fields: Record<string, string>): string {
  const sorted = new URLSearchParams(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))).toString();
  return `${sorted}&vnp_SecureHash=${hmac(secret, sorted)}`;
}

function ipn(fields: Record<string, string>, secret = SECRET): RawHttpRequest {
  return { method: 'GET', url: `/v1/callbacks/vnpay?${signQuery(secret, fields)}`, headers: {}, body: '' };
}

const paidFields = (overrides: Record<string, string> = {}): Record<string, string> => ({
  vnp_Amount: '15000000',
  vnp_BankCode: 'NCB',
  vnp_BankTranNo: 'VNP14422575',
  vnp_CardType: 'ATM',
  vnp_OrderInfo: 'Le phi cap giay phep lai xe',
  vnp_PayDate: '20240521091806',
  vnp_ResponseCode: '00',
  vnp_TmnCode: 'LTTEST01',
  vnp_TransactionNo: '14422575',
  vnp_TransactionStatus: '00',
  vnp_TxnRef: 'ABC123XYZ789',
  ...overrides,
});

/** A ProviderHttp that records what the connector sends and answers with `answer(body)`. */
class FakeVnpay implements ProviderHttp {
  readonly sent: { url: string; headers: Record<string, string> | undefined; body: Record<string, string> }[] = [];
  constructor(private readonly answer: (request: Record<string, string>) => ProviderHttpResponse) {}
  async request(request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse> {
    const body = JSON.parse(request.body ?? '{}') as Record<string, string>;
    this.sent.push({ url: request.url, headers: request.headers, body });
    return this.answer(body);
  }
}

const QUERY_ANSWER_FIELDS = ['vnp_ResponseId', 'vnp_Command', 'vnp_ResponseCode', 'vnp_Message', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_Amount', 'vnp_BankCode', 'vnp_PayDate', 'vnp_TransactionNo', 'vnp_TransactionType', 'vnp_TransactionStatus', 'vnp_OrderInfo', 'vnp_PromotionCode', 'vnp_PromotionAmount'];
const REFUND_ANSWER_FIELDS = QUERY_ANSWER_FIELDS.slice(0, 13);

function signedAnswer(fields: readonly string[], answer: Record<string, string>, secret = SECRET): ProviderHttpResponse {
  const vnp_SecureHash = hmac(secret, fields.map((name) => answer[name] ?? '').join('|'));
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...answer, vnp_SecureHash }) };
}

const queryAnswer = (request: Record<string, string>, overrides: Record<string, string>) =>
  signedAnswer(QUERY_ANSWER_FIELDS, {
    vnp_ResponseId: 'a1b2c3',
    vnp_Command: 'querydr',
    vnp_ResponseCode: '00',
    vnp_Message: 'QueryDR Success',
    vnp_TmnCode: request.vnp_TmnCode ?? '',
    vnp_TxnRef: request.vnp_TxnRef ?? '',
    vnp_Amount: '9900000',
    vnp_BankCode: 'NCB',
    vnp_PayDate: '20240521091806',
    vnp_TransactionNo: '14422574',
    vnp_TransactionType: '01',
    vnp_TransactionStatus: '00',
    vnp_OrderInfo: 'Le phi',
    ...overrides,
  });

const refundAnswer = (request: Record<string, string>, overrides: Record<string, string>) =>
  signedAnswer(REFUND_ANSWER_FIELDS, {
    vnp_ResponseId: 'r1',
    vnp_Command: 'refund',
    vnp_ResponseCode: '00',
    vnp_Message: 'Refund success',
    vnp_TmnCode: request.vnp_TmnCode ?? '',
    vnp_TxnRef: request.vnp_TxnRef ?? '',
    vnp_Amount: request.vnp_Amount ?? '',
    vnp_BankCode: 'NCB',
    vnp_PayDate: '20240526100000',
    vnp_TransactionNo: '14430001',
    vnp_TransactionType: request.vnp_TransactionType ?? '',
    vnp_TransactionStatus: '05',
    vnp_OrderInfo: request.vnp_OrderInfo ?? '',
    ...overrides,
  });

function contextWith(http: ProviderHttp, now = new Date('2024-05-26T03:00:00Z'), extraSettings: Record<string, unknown> = {}): ConnectorContext {
  return { settings: { ...settings, ...extraSettings }, http, now, callbackUrl: 'https://hub.example/v1/callbacks/vnpay', returnUrl: 'https://hub.example/v1/payments/return/vnpay' };
}

const attempt: AttemptRef = {
  reference: 'ABC123XYZ789',
  amount: 99_000,
  // 09:18:06 in Hà Nội.
  createdAt: new Date('2024-05-21T02:18:06Z'),
  clientIp: '203.0.113.7',
  providerTransactionId: '14422574',
  providerOrderId: undefined,
};

function order(overrides: Partial<CheckoutOrder> = {}): CheckoutOrder {
  return {
    reference: 'ABC123XYZ789',
    amount: 150_000,
    description: 'Lệ phí cấp giấy phép lái xe Đà Nẵng 000.00.00.H26-260101-0001',
    clientIp: '203.0.113.7',
    locale: 'vi',
    createdAt: new Date('2024-05-21T02:18:06Z'),
    expiresAt: new Date('2024-05-21T02:33:06Z'),
    ...overrides,
  };
}

async function redirectOf(o: CheckoutOrder, context = contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })))): Promise<URL> {
  const checkout = await connector.createCheckout(context, o);
  return new URL(checkout.redirectUrl!);
}

// ---- published vectors --------------------------------------------------------------------

describe('VNPay published test vectors (payments.md)', () => {
  const SIGN_STRING =
    'vnp_Amount=1000000&vnp_BankCode=NCB&vnp_BankTranNo=VNP14422574&vnp_CardType=ATM&vnp_OrderInfo=Thanh+toan+don+hang+2024-05-21T02%3A17%3A31.249Z&vnp_PayDate=20240521091806&vnp_ResponseCode=00&vnp_TmnCode=TEST_TMN_CODE&vnp_TransactionNo=14422574&vnp_TransactionStatus=00&vnp_TxnRef=1716257871703';
  const HASH = '649982421beb422556a1374713c74e58e716ecbd05007c0c0e1f7effdfaf361dbf146889ca446139afe11b9954c4d5c486e99e3b86fcfab6957f29eb0be72895';
  const vectorContext = { ...contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' }))), settings: { ...settings, tmnCode: 'TEST_TMN_CODE', hashSecret: 'test_secret' } };

  it('rebuilds the sign string from the decoded IPN fields and reproduces the checksum', () => {
    const fields = new Map([...new URLSearchParams(`${SIGN_STRING}&vnp_SecureHash=${HASH}`)]);
    expect(signedQueryString(fields)).toBe(SIGN_STRING);
    expect(hmacSha512Hex('test_secret', SIGN_STRING)).toBe(HASH);
  });

  it('verifies the published IPN, in any parameter order, and reads it', () => {
    const shuffled = SIGN_STRING.split('&').reverse().join('&');
    for (const query of [`${SIGN_STRING}&vnp_SecureHash=${HASH}`, `vnp_SecureHash=${HASH}&${shuffled}`, `${SIGN_STRING}&vnp_SecureHash=${HASH.toUpperCase()}`]) {
      expect(connector.parseCallback(vectorContext, { method: 'GET', url: `/v1/callbacks/vnpay?${query}`, headers: {}, body: '' })).toEqual({
        verified: true,
        reference: '1716257871703',
        amount: 10_000,
        merchantCode: 'TEST_TMN_CODE',
        result: 'SUCCEEDED',
        providerTransactionId: '14422574',
        providerCode: '00',
        eventKey: '1716257871703:14422574:00:00',
      });
    }
  });

  it('refuses the published IPN with one character of a signed field changed, or with the wrong secret', () => {
    const altered = `${SIGN_STRING.replace('Thanh+toan', 'Thanh+toam')}&vnp_SecureHash=${HASH}`;
    expect(connector.parseCallback(vectorContext, { method: 'GET', url: `/cb?${altered}`, headers: {}, body: '' })).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: '1716257871703' });
    const wrongSecret = { ...vectorContext, settings: { ...vectorContext.settings, hashSecret: 'test_secreT' } };
    expect(connector.parseCallback(wrongSecret, { method: 'GET', url: `/cb?${SIGN_STRING}&vnp_SecureHash=${HASH}`, headers: {}, body: '' })).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });
});

// ---- answers -------------------------------------------------------------------------------

describe('VNPay IPN answers', () => {
  const expected: Record<CallbackOutcome, string> = {
    ACCEPTED: '{"RspCode":"00","Message":"Confirm Success"}',
    ALREADY_CONFIRMED: '{"RspCode":"02","Message":"Order already confirmed"}',
    UNKNOWN_ORDER: '{"RspCode":"01","Message":"Order not found"}',
    MERCHANT_MISMATCH: '{"RspCode":"01","Message":"Order not found"}',
    AMOUNT_MISMATCH: '{"RspCode":"04","Message":"Invalid amount"}',
    INVALID_SIGNATURE: '{"RspCode":"97","Message":"Invalid signature"}',
    MALFORMED: '{"RspCode":"99","Message":"Unknown error"}',
    RETRY_LATER: '{"RspCode":"99","Message":"Unknown error"}',
  };
  it.each(Object.entries(expected))('%s → HTTP 200 %s', (outcome, body) => {
    expect(connector.answerCallback(outcome as CallbackOutcome)).toEqual({ status: 200, contentType: 'application/json', body });
  });
});

// ---- status codes --------------------------------------------------------------------------

describe('VNPay status codes', () => {
  const context = contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })));
  const resultOf = (vnp_ResponseCode: string, vnp_TransactionStatus: string) => {
    const notice = connector.parseCallback(context, ipn(paidFields({ vnp_ResponseCode, vnp_TransactionStatus, vnp_TransactionNo: vnp_ResponseCode === '00' ? '14422575' : '0' })));
    if (!notice.verified) throw new Error(`notice not verified: ${notice.problem}`);
    return notice.result;
  };

  it.each([
    ['00', '00', 'SUCCEEDED'],
    ['00', '01', 'PENDING'],
    ['00', '02', 'FAILED'],
    ['07', '07', 'PENDING'],
    ['09', '02', 'FAILED'],
    ['10', '02', 'FAILED'],
    ['11', '02', 'FAILED'],
    ['12', '02', 'FAILED'],
    ['13', '02', 'FAILED'],
    ['24', '02', 'FAILED'],
    ['51', '02', 'FAILED'],
    ['65', '02', 'FAILED'],
    ['75', '02', 'FAILED'],
    ['79', '02', 'FAILED'],
    ['24', '01', 'FAILED'],
    ['99', '01', 'PENDING'],
    ['99', '02', 'FAILED'],
    ['42', '88', 'PENDING'],
  ])('payment ResponseCode %s, TransactionStatus %s → %s', (code, status, result) => {
    expect(resultOf(code, status)).toBe(result);
  });

  it('keeps the response code, and no transaction id for vnp_TransactionNo=0', () => {
    expect(connector.parseCallback(context, ipn(paidFields({ vnp_ResponseCode: '24', vnp_TransactionStatus: '02', vnp_TransactionNo: '0' })))).toMatchObject({
      verified: true,
      result: 'FAILED',
      providerCode: '24',
      providerTransactionId: undefined,
    });
  });

  it.each([
    ['00', 'SUCCEEDED'],
    ['01', 'PENDING'],
    ['02', 'FAILED'],
    ['04', 'PENDING'],
    ['05', 'PENDING'],
    ['06', 'PENDING'],
    ['07', 'PENDING'],
    ['09', 'PENDING'],
    ['77', 'PENDING'],
  ])('querydr answered 00 with TransactionStatus %s → %s', async (status, result) => {
    const http = new FakeVnpay((request) => queryAnswer(request, { vnp_TransactionStatus: status }));
    expect(await connector.queryStatus(contextWith(http), attempt)).toMatchObject({ result, providerCode: status });
  });

  it('querydr 91 (no such transaction) → PENDING without amount', async () => {
    const http = new FakeVnpay((request) => queryAnswer(request, { vnp_ResponseCode: '91', vnp_Message: 'Not found', vnp_Amount: '', vnp_BankCode: '', vnp_PayDate: '', vnp_TransactionNo: '', vnp_TransactionType: '', vnp_TransactionStatus: '', vnp_OrderInfo: '' }));
    expect(await connector.queryStatus(contextWith(http), attempt)).toMatchObject({ result: 'PENDING', amount: undefined, providerCode: '91', providerTransactionId: undefined });
  });

  it.each(['02', '03', '94', '97', '99', '55'])('querydr refused with %s → ProviderUnavailableError', async (code) => {
    const http = new FakeVnpay((request) => queryAnswer(request, { vnp_ResponseCode: code, vnp_TxnRef: '', vnp_TmnCode: '', vnp_TransactionStatus: '' }));
    await expect(connector.queryStatus(contextWith(http), attempt)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  const refundOrder = (amount: number, overrides: Partial<RefundOrder> = {}): RefundOrder => ({
    reference: 'RF0000000001',
    amount,
    attempt,
    paidAmount: 99_000,
    paidAt: new Date('2024-05-21T02:19:00Z'),
    reason: 'Hồ sơ không đủ điều kiện',
    requestedBy: '000.00.00.H26',
    ...overrides,
  });

  it.each([
    ['00', '05', 'SUCCEEDED'],
    ['00', '06', 'SUCCEEDED'],
    ['00', '09', 'FAILED'],
    ['02', '', 'FAILED'],
    ['03', '', 'FAILED'],
    ['04', '', 'FAILED'],
    ['13', '', 'FAILED'],
    ['91', '', 'FAILED'],
    ['93', '', 'FAILED'],
    ['95', '', 'FAILED'],
    ['97', '', 'FAILED'],
    ['94', '', 'PENDING'],
    ['98', '', 'PENDING'],
    ['99', '', 'PENDING'],
    ['61', '', 'PENDING'],
  ])('refund ResponseCode %s, TransactionStatus %s → %s', async (code, status, result) => {
    const http = new FakeVnpay((request) => refundAnswer(request, { vnp_ResponseCode: code, vnp_TransactionStatus: status }));
    const report = await connector.refund!(contextWith(http), refundOrder(40_000));
    expect(report).toMatchObject({ result, providerCode: code, providerRefundId: code === '00' ? '14430001' : undefined });
  });
});

// ---- protocol specifics --------------------------------------------------------------------

describe('VNPay protocol', () => {
  it('uses the token itself as the reference, and refuses what VNPay could not take', () => {
    expect(connector.reference('0000000000AB', new Date())).toBe('0000000000AB');
    expect(() => connector.reference('ABC-123', new Date())).toThrow(RangeError);
  });

  it('names the merchant by its TmnCode', () => {
    expect(connector.merchantCode(settings)).toBe('LTTEST01');
  });

  it('builds the redirect: page path, amount × 100, GMT+7 dates, no diacritics, every field signed', async () => {
    const url = await redirectOf(order({ bankCode: 'NCB', locale: 'en' }));
    expect(`${url.origin}${url.pathname}`).toBe('https://sandbox.vnpayment.vn/paymentv2/vpcpay.html');
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual({
      vnp_Amount: '15000000',
      vnp_BankCode: 'NCB',
      vnp_Command: 'pay',
      vnp_CreateDate: '20240521091806',
      vnp_CurrCode: 'VND',
      vnp_ExpireDate: '20240521093306',
      vnp_IpAddr: '203.0.113.7',
      vnp_Locale: 'en',
      vnp_OrderInfo: 'Le phi cap giay phep lai xe Da Nang 000.00.00.H26-260101-0001',
      vnp_OrderType: 'other',
      vnp_ReturnUrl: 'https://hub.example/v1/payments/return/vnpay',
      vnp_TmnCode: 'LTTEST01',
      vnp_TxnRef: 'ABC123XYZ789',
      vnp_Version: '2.1.0',
      vnp_SecureHash: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    const { vnp_SecureHash, ...signed } = params;
    expect(signQuery(SECRET, signed)).toBe(`${url.search.slice(1, url.search.indexOf('&vnp_SecureHash='))}&vnp_SecureHash=${vnp_SecureHash}`);
  });

  it('writes dates in Vietnam time across midnight and the year', async () => {
    const params = (await redirectOf(order({ createdAt: new Date('2024-12-31T16:59:59Z'), expiresAt: new Date('2024-12-31T17:14:59Z') }))).searchParams;
    expect(params.get('vnp_CreateDate')).toBe('20241231235959');
    expect(params.get('vnp_ExpireDate')).toBe('20250101001459');
    expect(params.get('vnp_Locale')).toBe('vn');
    expect(params.has('vnp_BankCode')).toBe(false);
  });

  it('keeps vnp_OrderInfo within 255 plain characters, free of characters SDKs encode differently', async () => {
    const info = (await redirectOf(order({ description: `Thuế đất (*) ~ 'Hà Nội'! ${'ữ'.repeat(300)}` }))).searchParams.get('vnp_OrderInfo')!;
    expect(info.startsWith('Thue dat Ha Noi u')).toBe(true);
    expect(info).toMatch(/^[A-Za-z0-9 .,:_/-]{1,255}$/);
    expect(info).toHaveLength(255);
    expect((await redirectOf(order({ description: '(*)' }))).searchParams.get('vnp_OrderInfo')).toBe('Thanh toan ABC123XYZ789');
  });

  it('refuses amounts VNPay cannot carry', async () => {
    for (const amount of [0, -5, 1.5, 10_000_000_000]) await expect(connector.createCheckout(contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' }))), order({ amount }))).rejects.toThrow(RangeError);
  });

  it('reads notices: integer VND, only whole dong, one value per field, required fields', () => {
    const context = contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })));
    expect(connector.parseCallback(context, ipn(paidFields({ vnp_Amount: '10000000000' })))).toMatchObject({ verified: true, amount: 100_000_000 });
    expect(connector.parseCallback(context, ipn(paidFields({ vnp_Amount: '1500050' })))).toEqual({ verified: false, problem: 'MALFORMED', reference: 'ABC123XYZ789' });
    expect(connector.parseCallback(context, ipn(paidFields({ vnp_Amount: '15e5' })))).toMatchObject({ verified: false, problem: 'MALFORMED' });
    const { vnp_TmnCode: _dropped, ...withoutMerchant } = paidFields();
    expect(connector.parseCallback(context, ipn(withoutMerchant))).toMatchObject({ verified: false, problem: 'MALFORMED', reference: 'ABC123XYZ789' });
    const duplicated = ipn(paidFields());
    expect(connector.parseCallback(context, { ...duplicated, url: `${duplicated.url}&vnp_Amount=1500000000` })).toMatchObject({ verified: false, problem: 'MALFORMED' });
    expect(connector.parseCallback(context, { method: 'GET', url: '/v1/callbacks/vnpay', headers: {}, body: '' })).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
  });

  it('reads the browser return the same way as the IPN', () => {
    const context = contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })));
    const request = ipn(paidFields());
    const returned = { ...request, url: request.url.replace('/v1/callbacks/vnpay', '/v1/payments/return/vnpay') };
    expect(connector.parseReturn(context, returned)).toEqual(connector.parseCallback(context, request));
    expect(connector.parseReturn(context, ipn(paidFields(), `${SECRET}x`))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });

  it('accepts an empty field signed either way (VNPay demos disagree), and nothing else', () => {
    const context = contextWith(new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })));
    const fields = paidFields({ vnp_BankTranNo: '' });
    const kept = new URLSearchParams(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))).toString();
    expect(kept).toContain('vnp_BankTranNo=&');
    expect(connector.parseCallback(context, { method: 'GET', url: `/cb?${kept}&vnp_SecureHash=${hmac(SECRET, kept)}`, headers: {}, body: '' })).toMatchObject({ verified: true });
    expect(connector.parseCallback(context, ipn(fields))).toMatchObject({ verified: true });
    expect(connector.parseCallback(context, { method: 'GET', url: `/cb?${kept}&vnp_SecureHash=${hmac(SECRET, `${kept}x`)}`, headers: {}, body: '' })).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });

  it('sends querydr as documented: fields, pipe checksum, the attempt’s create date, a fresh request id', async () => {
    const http = new FakeVnpay((request) => queryAnswer(request, {}));
    const report = await connector.queryStatus(contextWith(http), attempt);
    expect(report).toMatchObject({ result: 'SUCCEEDED', amount: 99_000, providerTransactionId: '14422574', providerCode: '00', eventKey: 'querydr:ABC123XYZ789:14422574:00' });
    await connector.queryStatus(contextWith(http, new Date('2024-05-26T03:00:00Z'), { serverIpAddr: '198.51.100.1' }), attempt);
    const [first, second] = http.sent;
    expect(first!.url).toBe(settings.apiUrl);
    expect(first!.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(first!.body).toEqual({
      vnp_RequestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      vnp_Version: '2.1.0',
      vnp_Command: 'querydr',
      vnp_TmnCode: 'LTTEST01',
      vnp_TxnRef: 'ABC123XYZ789',
      vnp_OrderInfo: 'Truy van giao dich ABC123XYZ789',
      vnp_TransactionDate: '20240521091806',
      vnp_CreateDate: '20240526100000',
      vnp_IpAddr: '203.0.113.7',
      vnp_SecureHash: expect.any(String),
    });
    const b = first!.body;
    expect(b.vnp_SecureHash).toBe(hmac(SECRET, [b.vnp_RequestId, '2.1.0', 'querydr', 'LTTEST01', 'ABC123XYZ789', '20240521091806', '20240526100000', '203.0.113.7', b.vnp_OrderInfo].join('|')));
    expect(second!.body.vnp_RequestId).not.toBe(b.vnp_RequestId);
    expect(second!.body.vnp_IpAddr).toBe('198.51.100.1');
  });

  it('sends refunds as documented: 02 for all of the payment, 03 for part, amount × 100, the refund’s reference as request id', async () => {
    const http = new FakeVnpay((request) => refundAnswer(request, {}));
    const context = contextWith(http);
    const base = { attempt, paidAmount: 99_000, paidAt: new Date(), reason: 'Hồ sơ | trả lại', requestedBy: 'cán bộ 000.00.00.H26' };
    await connector.refund!(context, { ...base, reference: 'RF0000000001', amount: 99_000 });
    await connector.refund!(context, { ...base, reference: 'RF0000000002', amount: 40_000, attempt: { ...attempt, providerTransactionId: undefined } });
    const [full, partial] = http.sent.map((s) => s.body);
    expect(full).toEqual({
      vnp_RequestId: 'RF0000000001',
      vnp_Version: '2.1.0',
      vnp_Command: 'refund',
      vnp_TmnCode: 'LTTEST01',
      vnp_TransactionType: '02',
      vnp_TxnRef: 'ABC123XYZ789',
      vnp_Amount: '9900000',
      vnp_TransactionNo: '14422574',
      vnp_TransactionDate: '20240521091806',
      vnp_CreateBy: 'can bo 000.00.00.H26',
      vnp_CreateDate: '20240526100000',
      vnp_IpAddr: '203.0.113.7',
      vnp_OrderInfo: 'Hoan tien ABC123XYZ789 Ho so tra lai',
      vnp_SecureHash: hmac(SECRET, ['RF0000000001', '2.1.0', 'refund', 'LTTEST01', '02', 'ABC123XYZ789', '9900000', '14422574', '20240521091806', 'can bo 000.00.00.H26', '20240526100000', '203.0.113.7', 'Hoan tien ABC123XYZ789 Ho so tra lai'].join('|')),
    });
    expect(partial).toMatchObject({ vnp_RequestId: 'RF0000000002', vnp_TransactionType: '03', vnp_Amount: '4000000', vnp_TransactionNo: '' });
    await expect(connector.refund!(context, { ...base, reference: 'RF0000000003', amount: 99_001 })).rejects.toThrow(RangeError);
    expect(http.sent).toHaveLength(2);
  });

  describe('refuses merchant API answers it cannot trust', () => {
    const cases: [string, (request: Record<string, string>) => ProviderHttpResponse][] = [
      ['HTTP 503', () => ({ status: 503, headers: {}, body: '<h1>503</h1>' })],
      ['not JSON', () => ({ status: 200, headers: {}, body: '<html>' })],
      ['a JSON array', () => ({ status: 200, headers: {}, body: '[]' })],
      ['unsigned', (request) => ({ ...queryAnswer(request, {}), body: JSON.stringify({ ...JSON.parse(queryAnswer(request, {}).body), vnp_SecureHash: undefined }) })],
      ['signed with another secret', (request) => signedAnswer(QUERY_ANSWER_FIELDS, { vnp_Command: 'querydr', vnp_ResponseCode: '00', vnp_TmnCode: 'LTTEST01', vnp_TxnRef: request.vnp_TxnRef ?? '', vnp_TransactionStatus: '00' }, `${SECRET}x`)],
      ['signed without the promotion fields', (request) => signedAnswer(REFUND_ANSWER_FIELDS, { vnp_Command: 'querydr', vnp_ResponseCode: '00', vnp_TmnCode: 'LTTEST01', vnp_TxnRef: request.vnp_TxnRef ?? '', vnp_TransactionStatus: '00', vnp_PromotionCode: 'KM1' })],
      ['about another order', (request) => queryAnswer(request, { vnp_TxnRef: 'OTHER0000001' })],
      ['about another merchant', (request) => queryAnswer(request, { vnp_TmnCode: 'OTHER001' })],
      ['for another command', (request) => queryAnswer(request, { vnp_Command: 'refund' })],
      // Signed as the text an object would become: only strings and numbers are read as fields.
      ['a field that is an object', (request) => ({ ...queryAnswer(request, { vnp_OrderInfo: '[object Object]' }), body: JSON.stringify({ ...JSON.parse(queryAnswer(request, { vnp_OrderInfo: '[object Object]' }).body), vnp_OrderInfo: {} }) })],
    ];
    it.each(cases)('%s → ProviderUnavailableError', async (_name, answer) => {
      await expect(connector.queryStatus(contextWith(new FakeVnpay(answer)), attempt)).rejects.toBeInstanceOf(ProviderUnavailableError);
    });

    it('refund answer signed over the querydr field list → ProviderUnavailableError', async () => {
      const http = new FakeVnpay((request) => signedAnswer(QUERY_ANSWER_FIELDS, { vnp_Command: 'refund', vnp_ResponseCode: '00', vnp_TmnCode: 'LTTEST01', vnp_TxnRef: request.vnp_TxnRef ?? '', vnp_PromotionCode: 'KM1' }));
      const refund = { reference: 'RF0000000009', amount: 1000, attempt, paidAmount: 99_000, paidAt: new Date(), reason: 'x', requestedBy: 'x' };
      await expect(connector.refund!(contextWith(http), refund)).rejects.toBeInstanceOf(ProviderUnavailableError);
    });
  });

  it('declares its settings: the contract’s four names, one optional server IP, nothing else', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(connector.settingsSchema);
    expect(validate(settings)).toBe(true);
    expect(validate({ ...settings, serverIpAddr: '198.51.100.1' })).toBe(true);
    const { apiUrl: _apiUrl, ...withoutApi } = settings;
    expect(validate(withoutApi)).toBe(false);
    expect(validate({ ...settings, secretKey: 'x' })).toBe(false);
    expect(validate({ ...settings, tmnCode: 'TMN_01' })).toBe(false);
    expect(validate({ ...settings, baseUrl: 'https://sandbox.vnpayment.vn/paymentv2/vpcpay.html' })).toBe(false);
  });
});

// ---- the simulator refuses what VNPay refuses ----------------------------------------------

describe('VNPay simulator', () => {
  const returnUrl = 'http://127.0.0.1:9/v1/payments/return/vnpay';
  let simulator: Awaited<ReturnType<typeof startVnpaySimulator>>;
  let context: ConnectorContext;

  beforeAll(async () => {
    simulator = await startVnpaySimulator({ callbackUrl: 'http://127.0.0.1:9/v1/callbacks/vnpay', returnUrl });
    context = { settings: simulator.settings, http: new FakeVnpay(() => ({ status: 500, headers: {}, body: '' })), now: new Date(), callbackUrl: 'http://127.0.0.1:9/v1/callbacks/vnpay', returnUrl };
  });
  afterAll(() => simulator.stop());

  const liveOrder = (): CheckoutOrder => {
    const createdAt = new Date();
    return { reference: testToken(), amount: 150_000, description: 'Le phi', clientIp: '203.0.113.7', locale: 'vi', createdAt, expiresAt: new Date(createdAt.getTime() + 15 * 60_000) };
  };

  async function pageStatus(url: string): Promise<[number, string]> {
    const response = await fetch(url);
    const html = await response.text();
    return [response.status, /id="errorCode">(\d+)</.exec(html)?.[1] ?? ''];
  }

  it('serves the page for a checkout the connector built', async () => {
    const checkout = await connector.createCheckout(context, liveOrder());
    expect(await pageStatus(checkout.redirectUrl!)).toEqual([200, '']);
  });

  it('refuses a checkout whose amount was changed after signing (70), and will not complete it', async () => {
    const o = liveOrder();
    const checkout = await connector.createCheckout(context, o);
    const tampered = { redirectUrl: checkout.redirectUrl!.replace('vnp_Amount=15000000', 'vnp_Amount=1500000') };
    expect(await pageStatus(tampered.redirectUrl)).toEqual([400, '70']);
    await expect(simulator.complete(tampered, o, 'success', { deliver: false })).rejects.toThrow(/refused/);
  });

  it('refuses a checkout signed with another secret (70) or for another terminal (72)', async () => {
    const other = await connector.createCheckout({ ...context, settings: { ...simulator.settings, hashSecret: 'another-secret-0123456789' } }, liveOrder());
    expect(await pageStatus(other.redirectUrl!)).toEqual([400, '70']);
    const stranger = await connector.createCheckout({ ...context, settings: { ...simulator.settings, tmnCode: 'OTHER001' } }, liveOrder());
    expect(await pageStatus(stranger.redirectUrl!)).toEqual([400, '72']);
  });

  it('refuses dates that are not Vietnam time, expired orders, and a return URL it does not know (03 / 11)', async () => {
    const o = liveOrder();
    const utcDated = await connector.createCheckout(context, { ...o, createdAt: new Date(o.createdAt.getTime() - 7 * 3600_000), expiresAt: new Date(o.expiresAt.getTime() - 7 * 3600_000) });
    expect(await pageStatus(utcDated.redirectUrl!)).toEqual([400, '03']);
    const expired = await connector.createCheckout(context, { ...liveOrder(), createdAt: new Date(Date.now() - 10 * 60_000), expiresAt: new Date(Date.now() - 2000) });
    expect(await pageStatus(expired.redirectUrl!)).toEqual([400, '11']);
    const elsewhere = await connector.createCheckout({ ...context, returnUrl: 'https://evil.example/return' }, liveOrder());
    expect(await pageStatus(elsewhere.redirectUrl!)).toEqual([400, '03']);
  });

  it('refuses an amount under 5,000 VND (03) and a reference reused for another order (01)', async () => {
    expect(await pageStatus((await connector.createCheckout(context, { ...liveOrder(), amount: 4_000 })).redirectUrl!)).toEqual([400, '03']);
    const o = liveOrder();
    expect(await pageStatus((await connector.createCheckout(context, o)).redirectUrl!)).toEqual([200, '']);
    expect(await pageStatus((await connector.createCheckout(context, { ...o, amount: 160_000 })).redirectUrl!)).toEqual([400, '01']);
  });

  it('answers querydr 97 to a badly signed request and 91 to a wrong transaction date', async () => {
    const o = liveOrder();
    await simulator.complete(await connector.createCheckout(context, o), o, 'success', { deliver: false });
    const http = new UndiciProviderHttp(2000);
    try {
      const live = { ...context, http };
      const ref = { reference: o.reference, amount: o.amount, createdAt: o.createdAt, clientIp: o.clientIp, providerTransactionId: undefined, providerOrderId: undefined };
      expect(await connector.queryStatus(live, ref)).toMatchObject({ result: 'SUCCEEDED', amount: 150_000 });
      expect(await connector.queryStatus(live, { ...ref, createdAt: new Date(o.createdAt.getTime() + 1000) })).toMatchObject({ result: 'PENDING', providerCode: '91' });
      // Signed with another secret: the simulator answers 97, signed with its own secret, which the connector reads as unusable.
      const recorder = new FakeVnpay(() => ({ status: 500, headers: {}, body: '' }));
      const otherSecret = { ...simulator.settings, hashSecret: 'another-secret-0123456789' };
      await expect(connector.queryStatus({ ...live, http: recorder, settings: otherSecret }, ref)).rejects.toBeInstanceOf(ProviderUnavailableError);
      const answer = await fetch(String(simulator.settings.apiUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(recorder.sent[0]!.body) });
      expect(await answer.json()).toMatchObject({ vnp_ResponseCode: '97' });
      await expect(connector.queryStatus({ ...live, settings: otherSecret }, ref)).rejects.toBeInstanceOf(ProviderUnavailableError);
      // A full refund for less than was paid is 93; a second full refund after a partial one is 04.
      const refund = (reference: string, amount: number, paidAmount: number) => connector.refund!(live, { reference, amount, attempt: ref, paidAmount, paidAt: new Date(), reason: 'x', requestedBy: 'x' });
      expect(await refund(testToken(), 10_000, 10_000)).toMatchObject({ result: 'FAILED', providerCode: '93' });
      expect(await refund(testToken(), 10_000, 150_000)).toMatchObject({ result: 'SUCCEEDED' });
      expect(await refund(testToken(), 150_000, 150_000)).toMatchObject({ result: 'FAILED', providerCode: '04' });
    } finally {
      await http.close();
    }
  });
});
