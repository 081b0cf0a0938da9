import { createHash } from 'node:crypto';
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
} from '../../adapters/payment/connector';
import { payooConnector } from '../../adapters/payment/payoo/payoo-connector';
import { notifyStateResult, returnStatusResult } from '../../adapters/payment/payoo/payoo-notice';
import { orderStatusResult } from '../../adapters/payment/payoo/payoo-order-info';
import { notifySignature } from '../../adapters/payment/payoo/payoo-signing';
import { describeConnectorContract } from '../support/payment-contract';
import { startPayooSimulator } from '../support/payment-simulators/payoo-simulator';

/** Payoo's hash, computed here independently of the connector. */
const sha512 = (text: string) => createHash('sha512').update(text, 'utf8').digest('hex').toUpperCase();

/** A notify body as Payoo posts it: form field NotifyData holding the PayooConnectionPackage XML. */
function notifyRequest(envelope: string): RawHttpRequest {
  return { method: 'POST', url: '/v1/callbacks/payoo', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ NotifyData: envelope }).toString() };
}

function envelopeOf(data: string, signature: string, keyFields: string): string {
  return (
    '<?xml version="1.0"?><PayooConnectionPackage xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
    `<Data>${data}</Data><Signature>${signature}</Signature><PayooSessionID>c2Vzc2lvbg==</PayooSessionID><KeyFields>${keyFields}</KeyFields></PayooConnectionPackage>`
  );
}

/** The same notify with its OrderCashAmount raised and its signature kept. */
function tamperAmount(callback: RawHttpRequest): RawHttpRequest {
  const form = new URLSearchParams(callback.body);
  const envelope = form.get('NotifyData') ?? '';
  const data = /<Data>([^<]*)<\/Data>/.exec(envelope)?.[1] ?? '';
  const xml = Buffer.from(data, 'base64').toString('utf8');
  const tampered = xml.replace(/<(OrderCashAmount|order_cash_amount)>([0-9]+)</, (_, tag: string, amount: string) => `<${tag}>${Number(amount) + 1000}<`);
  if (tampered === xml) throw new Error('no amount to tamper with in this notify');
  form.set('NotifyData', envelope.replace(data, Buffer.from(tampered, 'utf8').toString('base64')));
  return { ...callback, body: form.toString() };
}

describeConnectorContract('payoo', {
  connector: payooConnector,
  startSimulator: startPayooSimulator,
  tamperAmount,
  apis: ['create', 'query'],
  // Payoo notifies paid orders only (omnipay-payoo reads PAYMENT_RECEIVED / PAYMENT_PROCESSING); failures come by the return or a query.
  notifiesFailures: false,
});

/** A ProviderHttp that records what the connector sends and answers what the test says. */
class RecordingHttp implements ProviderHttp {
  readonly sent: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
  constructor(private readonly answer: (body: string) => ProviderHttpResponse) {}
  async request(request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse> {
    this.sent.push({ method: request.method, url: request.url, headers: request.headers ?? {}, body: request.body ?? '' });
    return this.answer(request.body ?? '');
  }
}

const KEY = 'ZTRkNjViNmYwYzM2NGEzZGRjM2YzMTQ1MDUyNjI5MWY=';
const settings = {
  shopId: '11495',
  businessUsername: 'SB_Shop_Demo',
  checksumKey: KEY,
  baseUrl: 'https://newsandbox.payoo.com.vn',
  apiUrl: 'https://bizsandbox.payoo.com.vn',
  apiUsername: 'SB_Shop_Demo_BizAPI',
  apiPassword: 'api-password',
  apiSignature: 'api-signature',
};
// 2025-12-31 17:30 UTC is already 1 January 2026, 00:30 in Vietnam.
const createdAt = new Date('2025-12-31T17:30:00Z');
const order: CheckoutOrder = {
  reference: payooConnector.reference('0000000000AB', createdAt),
  amount: 150_000,
  description: 'Lệ phí cấp giấy phép lái xe 000.00.00.H26-260101-0001',
  clientIp: '203.0.113.7',
  locale: 'vi',
  createdAt,
  expiresAt: new Date('2025-12-31T17:45:05Z'),
};

function contextWith(http: ProviderHttp, overrides: Record<string, unknown> = {}): ConnectorContext {
  return { settings: { ...settings, ...overrides }, http, now: createdAt, callbackUrl: 'https://hub.example/v1/callbacks/payoo', returnUrl: 'https://hub.example/v1/payments/return/payoo?a=1&b=2' };
}

/** Payoo's JSON answer to an order, signed as Payoo signs it. */
function createAnswer(orderNo: string, checksumKey = KEY): ProviderHttpResponse {
  const created = { order_no: orderNo, session: `${orderNo}-150000`, payment_url: 'https://newsandbox.payoo.com.vn/v2/paynow/payment/abc' };
  return { status: 200, headers: {}, body: JSON.stringify({ result: 'success', order: created, checksum: sha512(`${checksumKey}${JSON.stringify(created)}`) }) };
}

function orderXmlOf(sent: RecordingHttp['sent'][number]): string {
  return new URLSearchParams(sent.body).get('data') ?? '';
}

const tagOf = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];

describe('payoo: published test vectors', () => {
  const secret = '69c215746ce4209a2e2ede09de9cca87';
  const context = contextWith(new RecordingHttp(() => ({ status: 500, headers: {}, body: '' })), { checksumKey: secret, shopId: '741' });

  it('reproduces the notify signature of payments.md (omnipay-payoo, BillingCode layout)', () => {
    expect(notifySignature(secret, ['PAYMENT_RECEIVED', '741', 'sbb-test-359', '10000', '0', '888515992'])).toBe(
      '5765046C20D8479C31DEB1751715E88543B7D4B2588C0E1374679FCC32EA5375B3AC1785A4064DC8BCDC70583985240C0BF58B788B17E52D2D2DAE19BD75BE19',
    );
  });

  const billingNotify = envelopeOf(
    'PFBheW1lbnROb3RpZmljYXRpb24+PEJpbGxpbmdDb2RlPjg4ODUxNTk5MjwvQmlsbGluZ0NvZGU+PE9yZGVyTm8+c2JiLXRlc3QtMzU5PC9PcmRlck5vPjxPcmRlckNhc2hBbW91bnQ+MTAwMDA8L09yZGVyQ2FzaEFtb3VudD48U2hvcElkPjc0MTwvU2hvcElkPjxTdGF0ZT5QQVlNRU5UX1JFQ0VJVkVEPC9TdGF0ZT48L1BheW1lbnROb3RpZmljYXRpb24+',
    '5765046C20D8479C31DEB1751715E88543B7D4B2588C0E1374679FCC32EA5375B3AC1785A4064DC8BCDC70583985240C0BF58B788B17E52D2D2DAE19BD75BE19',
    'State|ShopID|OrderNo|OrderCashAmount|ShippingDays|BillingCode',
  );

  it('verifies omnipay-payoo\'s BillingCode notify through parseCallback (ShippingDays absent, signed as 0)', () => {
    expect(payooConnector.parseCallback(context, notifyRequest(billingNotify))).toEqual({
      verified: true,
      reference: 'sbb-test-359',
      amount: 10_000,
      merchantCode: '741',
      result: 'SUCCEEDED',
      providerTransactionId: '888515992',
      providerCode: undefined,
      eventKey: 'notify:sbb-test-359:PAYMENT_RECEIVED',
    });
    expect(payooConnector.merchantCode({ ...settings, shopId: '741' })).toBe('741');
  });

  it('refuses the same notify with another key, and with its amount changed', () => {
    expect(payooConnector.parseCallback(contextWith(context.http, { checksumKey: `${secret}x` }), notifyRequest(billingNotify))).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: 'sbb-test-359' });
    expect(payooConnector.parseCallback(context, tamperAmount(notifyRequest(billingNotify)))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });

  it('verifies omnipay-payoo\'s notify without BillingCode (the order XML layout, url-decoded description)', () => {
    const legacyNotify = envelopeOf(
      'PFBheW1lbnROb3RpZmljYXRpb24+PHNob3BzPjxzaG9wPjxzZXNzaW9uPnNiYi10ZXN0LTM2Nzwvc2Vzc2lvbj48dXNlcm5hbWU+aXNzX3B1bHNlX2FjdGl2ZTwvdXNlcm5hbWU+PHNob3BfaWQ+NzQxPC9zaG9wX2lkPjxzaG9wX3RpdGxlPnB1bHNlX2FjdGl2ZTwvc2hvcF90aXRsZT48c2hvcF9kb21haW4+aHR0cDovL3Rlc3Quc2JiaG9zdGVkLmNvbTwvc2hvcF9kb21haW4+PHNob3BfYmFja191cmw+aHR0cDovL3Rlc3Quc2JiaG9zdGVkLmNvbS9wYXltZW50cy9jb21wbGV0ZV9wdXJjaGFzZS8zNjcvcGF5b288L3Nob3BfYmFja191cmw+PG9yZGVyX25vPnNiYi10ZXN0LTM2Nzwvb3JkZXJfbm8+PG9yZGVyX2Nhc2hfYW1vdW50PjEwMDAwPC9vcmRlcl9jYXNoX2Ftb3VudD48b3JkZXJfc2hpcF9kYXRlPjIzLzAyLzIwMTg8L29yZGVyX3NoaXBfZGF0ZT48b3JkZXJfc2hpcF9kYXlzPjA8L29yZGVyX3NoaXBfZGF5cz48b3JkZXJfZGVzY3JpcHRpb24+VGhhbmsreW91K2ZvcitwdXJjaGFzaW5nK1Rlc3QrVGVzdCUyQytlbmpveSt0aGlzK3dvbmRlcmZ1bCtldmVudC48L29yZGVyX2Rlc2NyaXB0aW9uPjx2YWxpZGl0eV90aW1lPjIwMTgwMjIzMDMwMjQyPC92YWxpZGl0eV90aW1lPjxub3RpZnlfdXJsPmh0dHA6Ly90ZXN0LnNiYmhvc3RlZC5jb20vcGF5bWVudHMvbm90aWZ5LzM2Ny9wYXlvbzwvbm90aWZ5X3VybD48Y3VzdG9tZXI+PG5hbWU+Y3VzdG9tZXIgdGhlZGlsYWJAZ21haWwuY29tPC9uYW1lPjxwaG9uZT4xMjM0NTY3ODwvcGhvbmU+PGVtYWlsPnRoZWRpbGFiQGdtYWlsLmNvbTwvZW1haWw+PC9jdXN0b21lcj48L3Nob3A+PC9zaG9wcz48U3RhdGU+UEFZTUVOVF9SRUNFSVZFRDwvU3RhdGU+PFBheW1lbnRNZXRob2Q+RV9XQUxMRVQ8L1BheW1lbnRNZXRob2Q+PC9QYXltZW50Tm90aWZpY2F0aW9uPg==',
      '57B7AF83FF7D5F3AE305A28C467B900871A64DE7C9788F25B0B484944074333F47F191FBFD7084983A0128C40BCB856C9A2A5C329F3A7A154DA5055FD0D32D53',
      'PaymentMethod|State|Session|BusinessUsername|ShopID|ShopTitle|ShopDomain|ShopBackUrl|OrderNo|OrderCashAmount|StartShippingDate|ShippingDays|OrderDescription|NotifyUrl|PaymentExpireDate',
    );
    expect(payooConnector.parseCallback(context, notifyRequest(legacyNotify))).toMatchObject({ verified: true, reference: 'sbb-test-367', amount: 10_000, merchantCode: '741', result: 'SUCCEEDED' });
    expect(payooConnector.parseCallback(context, tamperAmount(notifyRequest(legacyNotify)))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
  });

  it('verifies the browser return with omnipay-payoo\'s checksum (lower-case hex of key + session.order_no.status)', () => {
    const checksum = createHash('sha512').update(`${secret}sbb-test-359-10000.sbb-test-359.1`).digest('hex');
    const browserReturn: RawHttpRequest = { method: 'GET', url: `/v1/payments/return/payoo?session=sbb-test-359-10000&order_no=sbb-test-359&status=1&checksum=${checksum}`, headers: {}, body: '' };
    expect(payooConnector.parseReturn(context, browserReturn)).toEqual({
      verified: true,
      reference: 'sbb-test-359',
      amount: 10_000,
      merchantCode: undefined,
      result: 'SUCCEEDED',
      providerTransactionId: undefined,
      providerCode: undefined,
      eventKey: 'return:sbb-test-359:1',
    });
    expect(payooConnector.parseReturn(context, { ...browserReturn, url: browserReturn.url.replace('status=1', 'status=0') })).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE', reference: 'sbb-test-359' });
  });
});

describe('payoo: answers to the notify', () => {
  const expected: Record<CallbackOutcome, { status: number; body: string }> = {
    ACCEPTED: { status: 200, body: 'NOTIFY_RECEIVED' },
    ALREADY_CONFIRMED: { status: 200, body: 'NOTIFY_RECEIVED' },
    UNKNOWN_ORDER: { status: 400, body: 'UNKNOWN_ORDER' },
    AMOUNT_MISMATCH: { status: 400, body: 'AMOUNT_MISMATCH' },
    MERCHANT_MISMATCH: { status: 400, body: 'MERCHANT_MISMATCH' },
    INVALID_SIGNATURE: { status: 400, body: 'INVALID_SIGNATURE' },
    MALFORMED: { status: 400, body: 'MALFORMED' },
    RETRY_LATER: { status: 503, body: 'RETRY_LATER' },
  };

  it.each(Object.entries(expected))('answers %s with exactly the expected bytes', (outcome, { status, body }) => {
    expect(payooConnector.answerCallback(outcome as CallbackOutcome)).toEqual({ status, contentType: 'text/plain; charset=utf-8', body });
  });

  it('says NOTIFY_RECEIVED (which stops Payoo re-sending) only for a recorded notice', () => {
    const acknowledged = Object.keys(expected).filter((outcome) => payooConnector.answerCallback(outcome as CallbackOutcome).body.includes('NOTIFY_RECEIVED'));
    expect(acknowledged).toEqual(['ACCEPTED', 'ALREADY_CONFIRMED']);
  });
});

describe('payoo: status mapping', () => {
  it('maps the notify State: PAYMENT_RECEIVED paid, PAYMENT_PROCESSING and unknown pending, configured failures failed', () => {
    expect(notifyStateResult('PAYMENT_RECEIVED', [])).toBe('SUCCEEDED');
    expect(notifyStateResult('PAYMENT_PROCESSING', [])).toBe('PENDING');
    expect(notifyStateResult('PAYMENT_FAILED', [])).toBe('PENDING');
    expect(notifyStateResult('SOMETHING_NEW', ['PAYMENT_FAILED'])).toBe('PENDING');
    expect(notifyStateResult('PAYMENT_FAILED', ['PAYMENT_FAILED'])).toBe('FAILED');
  });

  it('maps the browser return status: 1 paid, 0 failed, -1 cancelled, anything else pending', () => {
    expect(returnStatusResult('1')).toBe('SUCCEEDED');
    expect(returnStatusResult('0')).toBe('FAILED');
    expect(returnStatusResult('-1')).toBe('FAILED');
    expect(returnStatusResult('2')).toBe('PENDING');
    expect(returnStatusResult('')).toBe('PENDING');
  });

  it('maps GetOrderInfo PaymentStatus: 1 paid, configured failures failed, anything else pending', () => {
    expect(orderStatusResult('1', [])).toBe('SUCCEEDED');
    expect(orderStatusResult('0', ['-1'])).toBe('PENDING');
    expect(orderStatusResult('-1', [])).toBe('PENDING');
    expect(orderStatusResult('-1', ['-1'])).toBe('FAILED');
    expect(orderStatusResult('9', ['-1'])).toBe('PENDING');
  });

  function signedNotify(state: string): RawHttpRequest {
    const data = `<PaymentNotification><BillingCode>123456789</BillingCode><OrderNo>${order.reference}</OrderNo><OrderCashAmount>150000</OrderCashAmount><ShopId>11495</ShopId><State>${state}</State></PaymentNotification>`;
    const signature = sha512([KEY, state, '11495', order.reference, '150000', '0', '123456789'].join('|'));
    return notifyRequest(envelopeOf(Buffer.from(data).toString('base64'), signature, 'State|ShopID|OrderNo|OrderCashAmount|ShippingDays|BillingCode'));
  }

  it('reads a signed PAYMENT_PROCESSING notify as PENDING and a configured failure state as FAILED, keeping the state for support', () => {
    const context = contextWith(new RecordingHttp(() => ({ status: 500, headers: {}, body: '' })), { failedNotifyStates: ['PAYMENT_FAILED'] });
    expect(payooConnector.parseCallback(context, signedNotify('PAYMENT_PROCESSING'))).toMatchObject({ verified: true, result: 'PENDING', providerCode: 'PAYMENT_PROCESSING', eventKey: `notify:${order.reference}:PAYMENT_PROCESSING` });
    expect(payooConnector.parseCallback(context, signedNotify('PAYMENT_FAILED'))).toMatchObject({ verified: true, result: 'FAILED', providerCode: 'PAYMENT_FAILED' });
  });
});

describe('payoo: protocol details', () => {
  async function checkout(overrides: Record<string, unknown> = {}, checkoutOrder: CheckoutOrder = order, answer = createAnswer(checkoutOrder.reference)) {
    const http = new RecordingHttp(() => answer);
    const created = await payooConnector.createCheckout(contextWith(http, overrides), checkoutOrder);
    return { created, sent: http.sent[0]! };
  }

  it('makes references of the GMT+7 day (yyMMdd) and the token', () => {
    expect(order.reference).toBe('2601010000000000AB');
    expect(payooConnector.reference('0000000000AB', new Date('2025-12-31T16:59:59Z'))).toBe('2512310000000000AB');
  });

  it('posts the order XML to PayNow\'s order API, signed SHA-512(checksumKey + XML), and redirects to the payment_url', async () => {
    const { created, sent } = await checkout();
    expect(created).toEqual({ redirectUrl: 'https://newsandbox.payoo.com.vn/v2/paynow/payment/abc' });
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('https://newsandbox.payoo.com.vn/v2/paynow/order/create');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(sent.body);
    const xml = form.get('data')!;
    expect(form.get('checksum')).toBe(sha512(`${KEY}${xml}`));
    expect(form.get('refer')).toBe('https://hub.example');
    expect(xml.startsWith('<shops><shop><session>')).toBe(true);
    expect(tagOf(xml, 'session')).toBe(`${order.reference}-150000`);
    expect(tagOf(xml, 'username')).toBe('SB_Shop_Demo');
    expect(tagOf(xml, 'shop_id')).toBe('11495');
    expect(tagOf(xml, 'order_no')).toBe(order.reference);
    expect(tagOf(xml, 'order_cash_amount')).toBe('150000');
    expect(tagOf(xml, 'order_ship_days')).toBe('0');
    expect(tagOf(xml, 'notify_url')).toBe('https://hub.example/v1/callbacks/payoo');
    expect(tagOf(xml, 'JsonResponse')).toBe('true');
  });

  it('writes dates in GMT+7: order_ship_date dd/MM/yyyy, validity_time yyyyMMddHHmmss', async () => {
    const xml = orderXmlOf((await checkout()).sent);
    expect(tagOf(xml, 'order_ship_date')).toBe('01/01/2026');
    expect(tagOf(xml, 'validity_time')).toBe('20260101004505');
  });

  it('escapes XML in values and url-encodes the description as PHP does', async () => {
    const xml = orderXmlOf((await checkout()).sent);
    expect(tagOf(xml, 'shop_back_url')).toBe('https://hub.example/v1/payments/return/payoo?a=1&amp;b=2');
    expect(tagOf(xml, 'order_description')).toBe('L%E1%BB%87+ph%C3%AD+c%E1%BA%A5p+gi%E1%BA%A5y+ph%C3%A9p+l%C3%A1i+xe+000.00.00.H26-260101-0001');
  });

  it('lengthens a description Payoo would refuse as too short (50 bytes or fewer)', async () => {
    const xml = orderXmlOf((await checkout({}, { ...order, description: 'Lệ phí' })).sent);
    const description = decodeURIComponent(tagOf(xml, 'order_description')!.replace(/\+/g, ' '));
    expect(description.startsWith(`Lệ phí (${order.reference})`)).toBe(true);
    expect(Buffer.byteLength(description)).toBeGreaterThan(50);
  });

  it('uses the optional shopTitle and shopDomain settings when given', async () => {
    const { sent } = await checkout({ shopTitle: 'Cổng DVC', shopDomain: 'https://dichvucong.example' });
    const xml = orderXmlOf(sent);
    expect(tagOf(xml, 'shop_title')).toBe('Cổng DVC');
    expect(tagOf(xml, 'shop_domain')).toBe('https://dichvucong.example');
    expect(new URLSearchParams(sent.body).get('refer')).toBe('https://dichvucong.example');
  });

  it.each([
    ['a refusal', { status: 200, headers: {}, body: JSON.stringify({ result: 'fail', errorcode: 'INVALID_CHECKSUM', message: 'checksum does not match' }) }],
    ['a bad answer checksum', createAnswer(order.reference, `${KEY}x`)],
    ['an answer for another order', createAnswer('2601010000000000AC')],
    ['HTTP 500', { status: 500, headers: {}, body: 'error' }],
    ['garbage', { status: 200, headers: {}, body: '<html>' }],
  ])('throws ProviderUnavailableError on %s from the order API', async (_, answer) => {
    await expect(checkout({}, order, answer)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  const attempt: AttemptRef = { reference: order.reference, amount: 150_000, createdAt, clientIp: '203.0.113.7', providerTransactionId: undefined, providerOrderId: undefined };

  function orderInfoAnswer(responseData: Record<string, unknown>, checksumKey = KEY): ProviderHttpResponse {
    const text = JSON.stringify(responseData);
    return { status: 200, headers: {}, body: JSON.stringify({ ResponseData: text, Signature: sha512(`${checksumKey}${text}`) }) };
  }

  it('asks GetOrderInfo with the API credentials, a signed RequestData and the GMT+7 purchase date', async () => {
    const http = new RecordingHttp(() => orderInfoAnswer({ ResponseCode: 0, OrderNo: order.reference, OrderCash: 150000, PaymentStatus: 1, ShopId: 11495, BillingCode: '123456789' }));
    const report = await payooConnector.queryStatus(contextWith(http), attempt);
    expect(report).toMatchObject({ result: 'SUCCEEDED', amount: 150_000, providerTransactionId: '123456789', providerCode: 'PaymentStatus 1', eventKey: `query:${order.reference}:1` });
    const [sent] = http.sent;
    expect(sent!.url).toBe('https://bizsandbox.payoo.com.vn/BusinessRestAPI.svc/GetOrderInfo');
    expect(sent!.headers).toMatchObject({ 'content-type': 'application/json', APIUsername: 'SB_Shop_Demo_BizAPI', APIPassword: 'api-password', APISignature: 'api-signature' });
    const body = JSON.parse(sent!.body) as { RequestData: string; Signature: string };
    expect(JSON.parse(body.RequestData)).toEqual({ OrderId: order.reference, ShopId: '11495', PurchaseDate: '20260101' });
    expect(body.Signature).toBe(sha512(`${KEY}${body.RequestData}`));
  });

  it('reads an order GetOrderInfo cannot find as PENDING', async () => {
    const http = new RecordingHttp(() => orderInfoAnswer({ ResponseCode: -1 }));
    expect(await payooConnector.queryStatus(contextWith(http), attempt)).toMatchObject({ result: 'PENDING', amount: undefined, providerCode: 'ResponseCode -1' });
  });

  it.each([
    ['a bad signature', orderInfoAnswer({ ResponseCode: 0, OrderNo: order.reference, OrderCash: 150000, PaymentStatus: 1, ShopId: 11495 }, `${KEY}x`)],
    ['an answer about another order', orderInfoAnswer({ ResponseCode: 0, OrderNo: 'OTHER', OrderCash: 150000, PaymentStatus: 1, ShopId: 11495 })],
    ['an answer about another shop', orderInfoAnswer({ ResponseCode: 0, OrderNo: order.reference, OrderCash: 150000, PaymentStatus: 1, ShopId: 1 })],
    ['HTTP 401', { status: 401, headers: {}, body: '{}' }],
  ])('throws ProviderUnavailableError on %s from GetOrderInfo', async (_, answer) => {
    await expect(payooConnector.queryStatus(contextWith(new RecordingHttp(() => answer)), attempt)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('cannot query without the Business API settings, and says so', async () => {
    const http = new RecordingHttp(() => ({ status: 500, headers: {}, body: '' }));
    const context = { ...contextWith(http), settings: { shopId: '11495', businessUsername: 'SB_Shop_Demo', checksumKey: KEY, baseUrl: settings.baseUrl } };
    await expect(payooConnector.queryStatus(context, attempt)).rejects.toThrow(/apiUrl/);
    expect(http.sent).toHaveLength(0);
  });

  describe('reading hostile or broken notifies', () => {
    const context = contextWith(new RecordingHttp(() => ({ status: 500, headers: {}, body: '' })));

    it('refuses an external entity (XXE) in the envelope as MALFORMED, without reading the file', () => {
      const xxe = '<?xml version="1.0"?><!DOCTYPE PayooConnectionPackage [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PayooConnectionPackage><Data>&xxe;</Data><Signature>A</Signature><KeyFields>State</KeyFields></PayooConnectionPackage>';
      expect(payooConnector.parseCallback(context, notifyRequest(xxe))).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
    });

    it('refuses a DTD inside the base64 Data and an entity-expansion bomb as MALFORMED', () => {
      const bomb = '<!DOCTYPE PaymentNotification [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><PaymentNotification><OrderNo>&b;</OrderNo></PaymentNotification>';
      const request = notifyRequest(envelopeOf(Buffer.from(bomb).toString('base64'), 'A', 'State|ShopID|OrderNo|OrderCashAmount'));
      expect(payooConnector.parseCallback(context, request)).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
    });

    it('refuses any DOCTYPE, even on a correctly signed notify, in the envelope or in Data', () => {
      const data = `<PaymentNotification><BillingCode>1</BillingCode><OrderNo>${order.reference}</OrderNo><OrderCashAmount>1000</OrderCashAmount><ShopId>11495</ShopId><State>PAYMENT_RECEIVED</State></PaymentNotification>`;
      const signature = sha512([KEY, 'PAYMENT_RECEIVED', '11495', order.reference, '1000', '0', '1'].join('|'));
      const keyFields = 'State|ShopID|OrderNo|OrderCashAmount|ShippingDays|BillingCode';
      const genuine = envelopeOf(Buffer.from(data).toString('base64'), signature, keyFields);
      expect(payooConnector.parseCallback(context, notifyRequest(genuine))).toMatchObject({ verified: true });
      const withDoctype = genuine.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE PayooConnectionPackage>');
      expect(payooConnector.parseCallback(context, notifyRequest(withDoctype))).toMatchObject({ verified: false, problem: 'MALFORMED' });
      const dataWithDoctype = envelopeOf(Buffer.from(`<!DOCTYPE PaymentNotification>${data}`).toString('base64'), signature, keyFields);
      expect(payooConnector.parseCallback(context, notifyRequest(dataWithDoctype))).toMatchObject({ verified: false, problem: 'MALFORMED' });
    });

    it('does not verify a notify whose KeyFields leave out the amount, even when correctly signed', () => {
      const data = `<PaymentNotification><BillingCode>1</BillingCode><OrderNo>${order.reference}</OrderNo><OrderCashAmount>1000</OrderCashAmount><ShopId>11495</ShopId><State>PAYMENT_RECEIVED</State></PaymentNotification>`;
      const signature = sha512([KEY, 'PAYMENT_RECEIVED', '11495', order.reference].join('|'));
      const request = notifyRequest(envelopeOf(Buffer.from(data).toString('base64'), signature, 'State|ShopID|OrderNo'));
      expect(payooConnector.parseCallback(context, request)).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: order.reference });
    });

    it('refuses a notify naming its order twice as MALFORMED', () => {
      const data = `<PaymentNotification><BillingCode>1</BillingCode><OrderNo>${order.reference}</OrderNo><OrderNo>OTHER</OrderNo><OrderCashAmount>1000</OrderCashAmount><ShopId>11495</ShopId><State>PAYMENT_RECEIVED</State></PaymentNotification>`;
      const signature = sha512([KEY, 'PAYMENT_RECEIVED', '11495', order.reference, '1000', '0', '1'].join('|'));
      const request = notifyRequest(envelopeOf(Buffer.from(data).toString('base64'), signature, 'State|ShopID|OrderNo|OrderCashAmount|ShippingDays|BillingCode'));
      expect(payooConnector.parseCallback(context, request)).toMatchObject({ verified: false, problem: 'MALFORMED' });
    });

    it.each([
      ['no NotifyData', ''],
      ['Data that is not base64', `NotifyData=${encodeURIComponent(envelopeOf('***', 'A', 'State'))}`],
      ['another root element', `NotifyData=${encodeURIComponent('<Other><Data>QQ==</Data></Other>')}`],
      ['two root elements', `NotifyData=${encodeURIComponent('<PayooConnectionPackage/><PayooConnectionPackage/>')}`],
    ])('reads %s as MALFORMED', (_, body) => {
      expect(payooConnector.parseCallback(context, { method: 'POST', url: '/v1/callbacks/payoo', headers: {}, body })).toMatchObject({ verified: false, problem: 'MALFORMED' });
    });

    it('refuses a browser return whose session does not carry its order and amount', () => {
      const session = 'someone-else';
      const checksum = sha512(`${KEY}${session}.${order.reference}.1`);
      const request: RawHttpRequest = { method: 'GET', url: `/v1/payments/return/payoo?session=${session}&order_no=${order.reference}&status=1&checksum=${checksum}`, headers: {}, body: '' };
      expect(payooConnector.parseReturn(context, request)).toEqual({ verified: false, problem: 'MALFORMED', reference: order.reference });
    });
  });

  describe('settings schema', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(payooConnector.settingsSchema);

    it('accepts the contract\'s four settings alone, and with the Business API', () => {
      expect(validate({ shopId: '11495', businessUsername: 'SB_Shop_Demo', checksumKey: KEY, baseUrl: 'https://www.payoo.vn' })).toBe(true);
      expect(validate(settings)).toBe(true);
    });

    it.each([
      ['an unknown setting', { ...settings, secretKey: 'x' }],
      ['a missing checksumKey', { shopId: '11495', businessUsername: 'SB_Shop_Demo', baseUrl: 'https://www.payoo.vn' }],
      ['a non-numeric shopId', { ...settings, shopId: 'shop' }],
      ['apiUrl without its credentials', { shopId: '11495', businessUsername: 'SB_Shop_Demo', checksumKey: KEY, baseUrl: 'https://www.payoo.vn', apiUrl: 'https://biz.payoo.vn' }],
    ])('refuses %s', (_, candidate) => {
      expect(validate(candidate)).toBe(false);
    });
  });
});
