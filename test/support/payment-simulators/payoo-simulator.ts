import { createHash, randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import type { RawHttpRequest } from '../../../adapters/payment/connector';
import { type CompletedPayment, pathAndQuery, type ProviderSimulator, type SimulatedApi } from './simulator';

/**
 * Payoo on 127.0.0.1, written from the protocol rather than from the connector (its own
 * hashing, its own XML reading), so that a connector that signs or reads Payoo wrongly
 * fails against it:
 * - PayNow's order API (`POST /v2/paynow/order/create`, form `data` + `checksum`), which
 *   checks the checksum, the shop, the amount and the order fields as Payoo does, and
 *   answers `{result, order: {order_no, session, payment_url}, checksum}`;
 * - the payment page at payment_url (HTML);
 * - the Business API's GetOrderInfo, checking the API credentials and the signature;
 * - the notify (form POST of `NotifyData`, the signed PayooConnectionPackage XML, BillingCode
 *   layout) for a paid order only, as Payoo notifies paid orders, and the signed browser return.
 *
 * Where Payoo's behaviour is not public the simulator makes a choice and says so: a
 * failed or cancelled order has GetOrderInfo PaymentStatus -1 (listed in the party's
 * `failedOrderStatuses`), an order GetOrderInfo cannot find has ResponseCode -1, and a
 * refused call answers HTTP 400/401.
 */
const CREATE_ORDER_PATH = '/v2/paynow/order/create';
const PAYMENT_PAGE_PATH = '/v2/paynow/payment/';
const ORDER_INFO_PATH = '/BusinessRestAPI.svc/GetOrderInfo';
const NOTIFY_KEY_FIELDS = ['State', 'ShopID', 'OrderNo', 'OrderCashAmount', 'ShippingDays', 'BillingCode'];
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const ORDER_FIELDS = [
  'session',
  'username',
  'shop_id',
  'shop_title',
  'shop_domain',
  'shop_back_url',
  'order_no',
  'order_cash_amount',
  'order_ship_date',
  'order_ship_days',
  'order_description',
  'validity_time',
  'notify_url',
] as const;

type OrderField = (typeof ORDER_FIELDS)[number];

interface SimulatedOrder {
  fields: Record<OrderField, string>;
  amount: number;
  validUntil: Date;
  /** GetOrderInfo's PaymentStatus: 0 not paid yet, 1 paid, -1 failed or cancelled. */
  paymentStatus: 0 | 1 | -1;
  billingCode: string | undefined;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sha512 = (text: string) => createHash('sha512').update(text, 'utf8').digest('hex').toUpperCase();
const sameChecksum = (expected: string, received: unknown) => typeof received === 'string' && received.toUpperCase() === expected;
const xmlParser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, ignoreDeclaration: true });

export async function startPayooSimulator(options: { callbackUrl: string; returnUrl: string }): Promise<ProviderSimulator> {
  const orders = new Map<string, SimulatedOrder>();
  const pages = new Map<string, string>();
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  const settings = {
    shopId: '11495',
    businessUsername: 'SB_LienThong',
    checksumKey: randomBytes(32).toString('base64'),
    baseUrl: '',
    apiUrl: '',
    apiUsername: 'SB_LienThong_BizAPI',
    apiPassword: randomBytes(12).toString('base64'),
    apiSignature: randomBytes(48).toString('base64'),
    failedOrderStatuses: ['-1'],
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (request.url ?? '/').split('?')[0]!;
      const api: SimulatedApi | undefined = path === CREATE_ORDER_PATH ? 'create' : path === ORDER_INFO_PATH ? 'query' : undefined;
      const fault = api ? faults.get(api) : undefined;
      if (fault === 'timeout') return; // never answers; stop() drops the connection
      if (fault === 'down') return void response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      try {
        if (request.method === 'POST' && api === 'create') return void json(response, 200, createOrder(body));
        if (request.method === 'POST' && api === 'query') return void json(response, 200, orderInfo(request.headers, body));
        if (request.method === 'GET' && path.startsWith(PAYMENT_PAGE_PATH)) return void html(response, 200, paymentPage(path.slice(PAYMENT_PAGE_PATH.length)));
        throw new Refusal(404, 'not found');
      } catch (error) {
        if (!(error instanceof Refusal)) return void response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        if (path.startsWith(PAYMENT_PAGE_PATH)) return void html(response, error.status, `<h1>Payoo</h1><p>${error.message}</p>`);
        json(response, error.status, { ResponseCode: -1, Message: error.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  settings.baseUrl = base;
  settings.apiUrl = base;

  /** PayNow's order API: a refused order is `{result: "fail"}` (HTTP 200), as a JSON-mode merchant sees it. */
  function createOrder(body: string): unknown {
    const form = new URLSearchParams(body);
    const data = form.get('data');
    const fail = (errorcode: string, message: string) => ({ result: 'fail', errorcode, message });
    if (!data || !form.get('checksum') || !form.get('refer')) return fail('MISSING_PARAMETER', 'data, checksum and refer are required');
    if (!sameChecksum(sha512(`${settings.checksumKey}${data}`), form.get('checksum'))) return fail('INVALID_CHECKSUM', 'checksum does not match');
    if (/<!DOCTYPE|<!ENTITY/i.test(data)) return fail('INVALID_DATA', 'DTDs are not accepted');
    const shop = readShop(data);
    if (!shop) return fail('INVALID_DATA', 'expected <shops><shop>');
    const fields = {} as Record<OrderField, string>;
    for (const name of ORDER_FIELDS) {
      const value = shop[name];
      if (typeof value !== 'string' || value === '') return fail('INVALID_DATA', `${name} is required`);
      fields[name] = value;
    }
    if (String(shop.JsonResponse).toLowerCase() !== 'true') return fail('INVALID_DATA', 'this simulator answers JSON only');
    if (fields.username !== settings.businessUsername) return fail('INVALID_MERCHANT', 'unknown business username');
    if (fields.shop_id !== settings.shopId) return fail('INVALID_MERCHANT', 'shop_id does not belong to this business');
    if (!/^[1-9][0-9]{0,11}$/.test(fields.order_cash_amount)) return fail('INVALID_AMOUNT', 'order_cash_amount must be a positive integer VND');
    if (!/^[0-9A-Za-z_.-]{1,50}$/.test(fields.order_no)) return fail('INVALID_ORDER_NO', 'bad order_no');
    if (orders.has(fields.order_no)) return fail('DUPLICATE_ORDER', 'order_no already used');
    if (!/^[0-9]{2}\/[0-9]{2}\/[0-9]{4}$/.test(fields.order_ship_date)) return fail('INVALID_DATA', 'order_ship_date must be dd/MM/yyyy');
    if (!/^[0-9]{1,3}$/.test(fields.order_ship_days)) return fail('INVALID_DATA', 'order_ship_days must be a number of days');
    const validUntil = vietnamTime(fields.validity_time);
    if (!validUntil || validUntil.getTime() <= Date.now()) return fail('INVALID_DATA', 'validity_time must be yyyyMMddHHmmss (GMT+7) in the future');
    if (Buffer.byteLength(decodeForm(fields.order_description), 'utf8') <= 50) return fail('INVALID_DATA', 'order_description must be longer than 50 characters');
    if (fields.notify_url !== options.callbackUrl) return fail('INVALID_DATA', 'notify_url is not the one registered for this shop');
    if (fields.shop_back_url !== options.returnUrl) return fail('INVALID_DATA', 'shop_back_url is not the one registered for this shop');

    const token = randomBytes(16).toString('hex');
    orders.set(fields.order_no, { fields, amount: Number(fields.order_cash_amount), validUntil, paymentStatus: 0, billingCode: undefined });
    pages.set(token, fields.order_no);
    const order = { order_no: fields.order_no, session: fields.session, payment_url: `${base}${PAYMENT_PAGE_PATH}${token}` };
    return { result: 'success', order, checksum: sha512(`${settings.checksumKey}${JSON.stringify(order)}`) };
  }

  function paymentPage(token: string): string {
    const order = orderOfPage(token);
    return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Payoo</title></head><body><h1>${escapeHtml(order.fields.shop_title)}</h1><p>Đơn hàng ${escapeHtml(order.fields.order_no)}: ${order.amount} VND</p><p>${escapeHtml(decodeForm(order.fields.order_description))}</p></body></html>`;
  }

  function orderOfPage(token: string): SimulatedOrder {
    const order = orders.get(pages.get(token) ?? '');
    if (!order) throw new Refusal(404, 'Đơn hàng không tồn tại');
    if (order.validUntil.getTime() <= Date.now()) throw new Refusal(410, 'Đơn hàng đã hết hạn thanh toán');
    return order;
  }

  function orderInfo(headers: http.IncomingHttpHeaders, body: string): unknown {
    if (headers.apiusername !== settings.apiUsername || headers.apipassword !== settings.apiPassword || headers.apisignature !== settings.apiSignature) {
      throw new Refusal(401, 'invalid API credentials');
    }
    const envelope = parseJson(body);
    const requestData = envelope?.RequestData;
    if (typeof requestData !== 'string' || !sameChecksum(sha512(`${settings.checksumKey}${requestData}`), envelope?.Signature)) throw new Refusal(400, 'invalid signature');
    const { OrderId: orderId, ShopId: shopId, PurchaseDate: date } = parseJson(requestData) ?? {};
    if (typeof orderId !== 'string' || shopId !== settings.shopId || typeof date !== 'string' || !/^[0-9]{8}$/.test(date)) throw new Refusal(400, 'OrderId, ShopId and PurchaseDate (yyyyMMdd) are required');
    const order = orders.get(orderId);
    // Payoo looks an order up by its purchase day: the day it was created, in GMT+7.
    const found = order && order.fields.order_ship_date.split('/').reverse().join('') === date;
    const responseData = JSON.stringify(
      found
        ? { ResponseCode: 0, OrderNo: orderId, OrderCash: order.amount, PaymentStatus: order.paymentStatus, PaymentMethod: order.paymentStatus === 1 ? 'E_WALLET' : '', PurchaseDate: date, ShopId: Number(settings.shopId), BillingCode: order.billingCode ?? '' }
        : { ResponseCode: -1 },
    );
    return { ResponseData: responseData, Signature: sha512(`${settings.checksumKey}${responseData}`) };
  }

  async function notify(order: SimulatedOrder, deliver: boolean): Promise<RawHttpRequest> {
    const values: Record<string, string> = {
      State: 'PAYMENT_RECEIVED',
      ShopID: settings.shopId,
      OrderNo: order.fields.order_no,
      OrderCashAmount: String(order.amount),
      ShippingDays: '0', // not in the BillingCode layout: signed as 0
      BillingCode: order.billingCode!,
    };
    const data =
      `<PaymentNotification><BillingCode>${values.BillingCode}</BillingCode><OrderNo>${values.OrderNo}</OrderNo>` +
      `<OrderCashAmount>${values.OrderCashAmount}</OrderCashAmount><ShopId>${values.ShopID}</ShopId><State>${values.State}</State>` +
      `<PaymentMethod>E_WALLET</PaymentMethod><PaymentExpireDate>${order.fields.validity_time}</PaymentExpireDate></PaymentNotification>`;
    const signature = sha512([settings.checksumKey, ...NOTIFY_KEY_FIELDS.map((name) => values[name])].join('|'));
    const notifyData =
      '<?xml version="1.0"?><PayooConnectionPackage xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">' +
      `<Data>${Buffer.from(data, 'utf8').toString('base64')}</Data><Signature>${signature}</Signature>` +
      `<PayooSessionID>${randomBytes(64).toString('base64')}</PayooSessionID><KeyFields>${NOTIFY_KEY_FIELDS.join('|')}</KeyFields></PayooConnectionPackage>`;
    const callback: RawHttpRequest = {
      method: 'POST',
      url: pathAndQuery(order.fields.notify_url),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ NotifyData: notifyData }).toString(),
    };
    if (deliver) await post(order.fields.notify_url, callback);
    return callback;
  }

  function browserReturn(order: SimulatedOrder, status: string): RawHttpRequest {
    const { session, order_no: orderNo, shop_back_url: backUrl } = order.fields;
    const url = new URL(backUrl);
    url.searchParams.append('session', session);
    url.searchParams.append('order_no', orderNo);
    url.searchParams.append('status', status);
    url.searchParams.append('checksum', sha512(`${settings.checksumKey}${session}.${orderNo}.${status}`));
    return { method: 'GET', url: pathAndQuery(url.toString()), headers: {}, body: '' };
  }

  return {
    settings,
    refunds: [],

    async complete(checkout, order, outcome, completeOptions): Promise<CompletedPayment> {
      const pageUrl = checkout.redirectUrl ?? '';
      if (!pageUrl.startsWith(`${base}${PAYMENT_PAGE_PATH}`)) throw new Error(`payoo simulator: ${pageUrl || 'no redirect URL'} is not a Payoo payment page`);
      const page = await fetch(pageUrl);
      if (page.status !== 200) throw new Error(`payoo simulator: the payment page answered ${page.status}: ${await page.text()}`);
      const simulated = orderOfPage(pageUrl.slice(`${base}${PAYMENT_PAGE_PATH}`.length));
      if (simulated.fields.order_no !== order.reference || simulated.amount !== order.amount) {
        throw new Error(`payoo simulator: the page is for ${simulated.fields.order_no} (${simulated.amount} VND), not ${order.reference} (${order.amount} VND)`);
      }
      if (simulated.paymentStatus !== 0) throw new Error(`payoo simulator: order ${order.reference} is already settled`);
      if (outcome === 'failure') {
        // The citizen cancels at Payoo's page: no notify (Payoo notifies paid orders), a signed return with status -1.
        simulated.paymentStatus = -1;
        return { callback: undefined, browserReturn: browserReturn(simulated, '-1') };
      }
      simulated.paymentStatus = 1;
      simulated.billingCode = String(randomInt(100_000_000, 999_999_999));
      const callback = await notify(simulated, completeOptions?.deliver !== false);
      return { callback, browserReturn: browserReturn(simulated, '1') };
    },

    fault(api, kind) {
      if (kind) faults.set(api, kind);
      else faults.delete(api);
    },

    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Posts a notify the way Payoo does: a form POST, waiting for the merchant's answer. */
async function post(url: string, callback: RawHttpRequest): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: callback.headers as Record<string, string>, body: callback.body });
  await response.text();
}

/** `yyyyMMddHHmmss` read as GMT+7. */
function vietnamTime(text: string): Date | undefined {
  const match = /^([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - VIETNAM_OFFSET_MS);
}

function readShop(data: string): Record<string, unknown> | undefined {
  try {
    const shop: unknown = (xmlParser.parse(data) as { shops?: { shop?: unknown } }).shops?.shop;
    return typeof shop === 'object' && shop !== null && !Array.isArray(shop) ? (shop as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function decodeForm(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function json(response: http.ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

function html(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}
