import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { Checkout, CheckoutOrder, RawHttpRequest } from '../../../adapters/payment/connector';
import { type CompletedPayment, type ProviderSimulator, type SimulatedApi, pathAndQuery } from './simulator';

/**
 * ZaloPay v2 on 127.0.0.1, as docs.zalopay.vn describes it: /v2/create, /v2/query and
 * /v2/refund (form-urlencoded, signed with key1, answered with JSON `return_code`), the
 * payment page behind order_url, the callback (POST JSON `{data, mac, type}`, mac =
 * HMAC-SHA256(key2) over the data string) and the browser redirect (checksum with key2).
 * It signs and verifies with its own code, never the connector's, so a connector that signs
 * the wrong string fails. ZaloPay calls back only for a paid order.
 */

/** ZaloPay refuses an order whose app_time is more than 15 minutes from its clock. */
const APP_TIME_TOLERANCE_MS = 15 * 60_000;
const MIN_EXPIRY_SECONDS = 300;
const MAX_EXPIRY_SECONDS = 2_592_000;
const DEFAULT_EXPIRY_SECONDS = 900;
/** ZaloPay calls the merchant again when it answers return_code 0 (or not at all), up to 3 more times. */
const CALLBACK_RETRIES = 3;
const CALLBACK_TIMEOUT_MS = 5_000;
/** The payment channel the simulated citizen uses (38 = ZaloPay wallet) and the redirect status of a payment not made. */
const WALLET_CHANNEL = 38;
const NOT_PAID_STATUS = '-49';

type OrderStatus = 'OPEN' | 'PAID' | 'FAILED';

interface SimulatedOrder {
  token: string;
  appTransId: string;
  appUser: string;
  appTime: number;
  amount: number;
  description: string;
  embedData: string;
  item: string;
  callbackUrl: string;
  redirectUrl: string;
  expiresAt: number;
  status: OrderStatus;
  zpTransId: number | undefined;
  serverTime: number | undefined;
  refunded: number;
}

interface ApiAnswer {
  return_code: number;
  return_message: string;
  sub_return_code: number;
  sub_return_message: string;
  [field: string]: unknown;
}

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export async function startZalopaySimulator(options: { callbackUrl: string; returnUrl: string }): Promise<ProviderSimulator> {
  const appId = randomInt(1000, 10_000);
  const key1 = randomBytes(16).toString('hex');
  const key2 = randomBytes(16).toString('hex');
  const ordersByToken = new Map<string, SimulatedOrder>();
  const ordersByAppTransId = new Map<string, SimulatedOrder>();
  const ordersByZpTransId = new Map<number, SimulatedOrder>();
  const refundAnswers = new Map<string, { request: string; answer: ApiAnswer }>();
  const refunds: { reference: string; amount: number }[] = [];
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  let sequence = 0;

  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', origin);
      const api = API_PATHS[url.pathname];
      const fault = api && faults.get(api);
      // A silent provider: the connection stays open until the simulator stops.
      if (fault === 'timeout') return;
      const answer = fault === 'down' ? { status: 503, contentType: 'text/plain', body: 'Service Unavailable' } : route(incoming.method ?? 'GET', url, incoming.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
      response.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function route(method: string, url: URL, contentType: string | undefined, body: string): HttpAnswer {
    if (method === 'GET' && url.pathname === '/openinapp') return paymentPage(url.searchParams.get('order'));
    if (method !== 'POST' || !API_PATHS[url.pathname]) return { status: 404, contentType: 'text/plain', body: 'Not Found' };
    // ZaloPay also takes JSON and XML bodies; the hub sends forms, so only forms are simulated.
    const form = (contentType ?? '').split(';')[0]?.trim() === 'application/x-www-form-urlencoded' ? new URLSearchParams(body) : undefined;
    const answer = !form ? fail(-401, 'Content-Type không được hỗ trợ') : url.pathname === '/v2/create' ? create(form) : url.pathname === '/v2/query' ? query(form) : refund(form);
    return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(answer) };
  }

  function create(form: URLSearchParams): ApiAnswer {
    const f = required(form, ['app_id', 'app_user', 'app_trans_id', 'app_time', 'amount', 'item', 'embed_data', 'description', 'bank_code', 'mac']);
    if (!f) return fail(-401, 'Thiếu tham số bắt buộc');
    if (f.app_id !== String(appId)) return fail(-402, 'app_id không hợp lệ');
    const macInput = [f.app_id, f.app_trans_id, f.app_user, f.amount, f.app_time, f.embed_data, f.item].join('|');
    if (!sameHex(hmac(key1, macInput), f.mac)) return fail(-402, 'Chữ ký không hợp lệ');
    const amount = positiveInteger(f.amount);
    const appTime = positiveInteger(f.app_time);
    const embedData = jsonValue(f.embed_data);
    const items = jsonValue(f.item);
    // Without callback_url ZaloPay calls the URL registered for the app: here, the one the simulator was started with.
    const callbackUrl = form.get('callback_url') ?? options.callbackUrl;
    const expiry = form.has('expire_duration_seconds') ? positiveInteger(form.get('expire_duration_seconds') ?? '') : DEFAULT_EXPIRY_SECONDS;
    const redirect = isObject(embedData) ? embedData.redirecturl : undefined;
    if (
      amount === undefined ||
      appTime === undefined ||
      f.app_user.length === 0 ||
      f.app_user.length > 50 ||
      !/^\d{6}_.+$/.test(f.app_trans_id) ||
      f.app_trans_id.length > 40 ||
      !Array.isArray(items) ||
      f.item.length > 2048 ||
      !isObject(embedData) ||
      f.embed_data.length > 1024 ||
      (redirect !== undefined && (typeof redirect !== 'string' || !isHttpUrl(redirect))) ||
      f.description.length === 0 ||
      f.description.length > 256 ||
      f.bank_code.length > 20 ||
      !isHttpUrl(callbackUrl) ||
      expiry === undefined ||
      expiry < MIN_EXPIRY_SECONDS ||
      expiry > MAX_EXPIRY_SECONDS
    ) {
      return fail(-401, 'Dữ liệu yêu cầu không hợp lệ');
    }
    if (Math.abs(Date.now() - appTime) > APP_TIME_TOLERANCE_MS || !f.app_trans_id.startsWith(`${vietnamDay(appTime)}_`)) return fail(-54, 'Thời gian giao dịch không hợp lệ');
    if (ordersByAppTransId.has(f.app_trans_id)) return fail(-68, 'Mã giao dịch app_trans_id bị trùng');

    const token = randomBytes(12).toString('base64url');
    const order: SimulatedOrder = {
      token,
      appTransId: f.app_trans_id,
      appUser: f.app_user,
      appTime,
      amount,
      description: f.description,
      embedData: f.embed_data,
      item: f.item,
      callbackUrl,
      redirectUrl: typeof redirect === 'string' ? redirect : options.returnUrl,
      expiresAt: Date.now() + expiry * 1000,
      status: 'OPEN',
      zpTransId: undefined,
      serverTime: undefined,
      refunded: 0,
    };
    ordersByToken.set(token, order);
    ordersByAppTransId.set(order.appTransId, order);
    const orderParam = Buffer.from(JSON.stringify({ zptranstoken: token, appid: appId })).toString('base64');
    return { ...succeeded(), zp_trans_token: token, order_url: `${origin}/openinapp?order=${encodeURIComponent(orderParam)}`, order_token: token };
  }

  function query(form: URLSearchParams): ApiAnswer {
    const f = required(form, ['app_id', 'app_trans_id', 'mac']);
    if (!f) return fail(-401, 'Thiếu tham số bắt buộc');
    if (f.app_id !== String(appId) || !sameHex(hmac(key1, `${f.app_id}|${f.app_trans_id}|${key1}`), f.mac)) return fail(-402, 'Chữ ký không hợp lệ');
    const order = ordersByAppTransId.get(f.app_trans_id);
    if (!order) return fail(-101, 'Không tìm thấy đơn hàng');
    const details = { is_processing: false, amount: order.amount, discount_amount: 0, zp_trans_id: order.zpTransId ?? 0, server_time: order.serverTime ?? 0 };
    if (order.status === 'PAID') return { ...succeeded(), ...details };
    if (order.status === 'FAILED') return { ...fail(Number(NOT_PAID_STATUS), 'Giao dịch thất bại'), ...details };
    if (Date.now() > order.expiresAt) return { ...fail(-54, 'Giao dịch đã hết hạn'), ...details };
    return { return_code: 3, return_message: 'Giao dịch chưa thanh toán hoặc đang xử lý', sub_return_code: 3, sub_return_message: 'Giao dịch chưa thanh toán hoặc đang xử lý', ...details };
  }

  function refund(form: URLSearchParams): ApiAnswer {
    const f = required(form, ['app_id', 'm_refund_id', 'zp_trans_id', 'amount', 'timestamp', 'description', 'mac']);
    if (!f) return fail(-401, 'Thiếu tham số bắt buộc');
    const macInput = [f.app_id, f.zp_trans_id, f.amount, f.description, f.timestamp].join('|');
    if (f.app_id !== String(appId) || !sameHex(hmac(key1, macInput), f.mac)) return fail(-402, 'Chữ ký không hợp lệ');
    const amount = positiveInteger(f.amount);
    const timestamp = positiveInteger(f.timestamp);
    const refundId = new RegExp(`^(\\d{6})_${appId}_([0-9A-Za-z_.-]+)$`).exec(f.m_refund_id);
    if (amount === undefined || timestamp === undefined || !refundId || f.description.length === 0) return fail(-401, 'Dữ liệu yêu cầu không hợp lệ');
    if (Math.abs(Date.now() - timestamp) > APP_TIME_TOLERANCE_MS || refundId[1] !== vietnamDay(timestamp)) return fail(-54, 'Thời gian giao dịch không hợp lệ');
    const requestKey = `${f.zp_trans_id}|${f.amount}`;
    const earlier = refundAnswers.get(f.m_refund_id);
    // The same m_refund_id again is the same refund: ZaloPay answers as before and moves no money twice.
    if (earlier) return earlier.request === requestKey ? earlier.answer : fail(-401, 'm_refund_id đã được dùng cho yêu cầu khác');
    const order = ordersByZpTransId.get(Number(f.zp_trans_id));
    let answer: ApiAnswer;
    if (!order || order.status !== 'PAID') answer = fail(-101, 'Không tìm thấy giao dịch');
    else if (order.refunded + amount > order.amount) answer = fail(-401, 'Số tiền hoàn vượt quá số tiền giao dịch');
    else {
      order.refunded += amount;
      // The hub names the refund `yymmdd_token`; ZaloPay knows it as `yymmdd_appid_token`.
      refunds.push({ reference: `${refundId[1]}_${refundId[2]}`, amount });
      answer = { ...succeeded(), refund_id: Number(`${vietnamDay(Date.now())}${String(++sequence).padStart(9, '0')}`) };
    }
    refundAnswers.set(f.m_refund_id, { request: requestKey, answer });
    return answer;
  }

  function paymentPage(orderParam: string | null): HttpAnswer {
    const order = orderAt(orderParam);
    if (typeof order === 'string') return { status: 400, contentType: 'text/html; charset=utf-8', body: page('Không thể thanh toán', `<p>${escapeHtml(order)}</p>`) };
    const amount = new Intl.NumberFormat('vi-VN').format(order.amount);
    return { status: 200, contentType: 'text/html; charset=utf-8', body: page('Thanh toán ZaloPay', `<p>${escapeHtml(order.description)}</p><p><strong>${amount} ₫</strong></p><p>Mã giao dịch ${escapeHtml(order.appTransId)}</p>`) };
  }

  /** The order an order_url points at, or why ZaloPay's page would refuse it. */
  function orderAt(orderParam: string | null): SimulatedOrder | string {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(orderParam ?? '', 'base64').toString('utf8'));
    } catch {
      return 'Đơn hàng không hợp lệ';
    }
    const order = isObject(decoded) && decoded.appid === appId && typeof decoded.zptranstoken === 'string' ? ordersByToken.get(decoded.zptranstoken) : undefined;
    if (!order) return 'Đơn hàng không hợp lệ';
    if (order.status !== 'OPEN') return 'Đơn hàng đã được xử lý';
    if (Date.now() > order.expiresAt) return 'Đơn hàng đã hết hạn';
    return order;
  }

  async function complete(checkout: Checkout, order: CheckoutOrder, outcome: 'success' | 'failure', completeOptions?: { deliver?: boolean }): Promise<CompletedPayment> {
    if (!checkout.redirectUrl) throw new Error('ZaloPay: the checkout has no order_url');
    const pageAnswer = await request(checkout.redirectUrl);
    const pageBody = await pageAnswer.body.text();
    if (pageAnswer.statusCode !== 200) throw new Error(`ZaloPay's payment page refused the order (HTTP ${pageAnswer.statusCode}): ${pageBody}`);
    const stored = orderAt(new URL(checkout.redirectUrl).searchParams.get('order'));
    if (typeof stored === 'string') throw new Error(`ZaloPay: ${stored}`);
    if (stored.appTransId !== order.reference) throw new Error(`ZaloPay: the order_url is for ${stored.appTransId}, not ${order.reference}`);
    if (stored.amount !== order.amount) throw new Error(`ZaloPay: the order is for ${stored.amount} VND, not ${order.amount}`);
    if (checkout.providerOrderId !== stored.token) throw new Error('ZaloPay: providerOrderId is not the zp_trans_token of the order');

    if (outcome === 'failure') {
      stored.status = 'FAILED';
      return { callback: undefined, browserReturn: browserReturn(stored, NOT_PAID_STATUS) };
    }
    stored.status = 'PAID';
    stored.serverTime = Date.now();
    stored.zpTransId = Number(`${vietnamDay(stored.serverTime)}${String(++sequence).padStart(9, '0')}`);
    ordersByZpTransId.set(stored.zpTransId, stored);
    const callback = callbackOf(stored);
    if (completeOptions?.deliver !== false) await deliver(stored.callbackUrl, callback.body);
    return { callback, browserReturn: browserReturn(stored, '1') };
  }

  function callbackOf(order: SimulatedOrder): RawHttpRequest {
    // Field order and types as in ZaloPay's published callback sample.
    const data = JSON.stringify({
      app_id: appId,
      app_trans_id: order.appTransId,
      app_time: order.appTime,
      app_user: order.appUser,
      amount: order.amount,
      embed_data: order.embedData,
      item: order.item,
      zp_trans_id: order.zpTransId,
      server_time: order.serverTime,
      channel: WALLET_CHANNEL,
      merchant_user_id: 'sim-user',
      user_fee_amount: 0,
      discount_amount: 0,
    });
    const body = JSON.stringify({ data, mac: hmac(key2, data), type: 1 });
    return { method: 'POST', url: pathAndQuery(order.callbackUrl), headers: { 'content-type': 'application/json' }, body };
  }

  /** Posts the callback; return_code 0, an unreadable answer or no answer makes ZaloPay try again. */
  async function deliver(url: string, body: string): Promise<void> {
    for (let attempt = 0; attempt <= CALLBACK_RETRIES; attempt += 1) {
      try {
        const answer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS) });
        const text = await answer.body.text();
        const parsed: unknown = JSON.parse(text);
        if (answer.statusCode === 200 && isObject(parsed) && typeof parsed.return_code === 'number' && parsed.return_code !== 0) return;
      } catch {
        // Unreachable or unreadable: called again, as ZaloPay does.
      }
    }
  }

  function browserReturn(order: SimulatedOrder, status: string): RawHttpRequest {
    const values = { appid: String(appId), apptransid: order.appTransId, pmcid: String(WALLET_CHANNEL), bankcode: '', amount: String(order.amount), discountamount: '0', status };
    const checksum = hmac(key2, [values.appid, values.apptransid, values.pmcid, values.bankcode, values.amount, values.discountamount, values.status].join('|'));
    const target = new URL(order.redirectUrl);
    // ZaloPay lists the redirect's parameters alphabetically.
    const all: Record<string, string> = { ...values, checksum };
    for (const name of Object.keys(all).sort()) target.searchParams.append(name, all[name]!);
    return { method: 'GET', url: pathAndQuery(target.toString()), headers: {}, body: '' };
  }

  return {
    settings: { appId, key1, key2, baseUrl: origin },
    refunds,
    complete,
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

const API_PATHS: Readonly<Record<string, SimulatedApi | undefined>> = { '/v2/create': 'create', '/v2/query': 'query', '/v2/refund': 'refund' };

function succeeded(): ApiAnswer {
  return { return_code: 1, return_message: 'Giao dịch thành công', sub_return_code: 1, sub_return_message: 'Giao dịch thành công' };
}

function fail(subCode: number, message: string): ApiAnswer {
  return { return_code: 2, return_message: 'Giao dịch thất bại', sub_return_code: subCode, sub_return_message: message };
}

function required<const Name extends string>(form: URLSearchParams, names: readonly Name[]): Record<Name, string> | undefined {
  const values = {} as Record<Name, string>;
  for (const name of names) {
    const value = form.get(name);
    if (value === null) return undefined;
    values[name] = value;
  }
  return values;
}

function hmac(key: string, input: string): string {
  return createHmac('sha256', key).update(input, 'utf8').digest('hex');
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** yymmdd in Vietnam time (UTC+7). */
function vietnamDay(epochMs: number): string {
  return new Date(epochMs + 7 * 3_600_000).toISOString().slice(2, 10).replaceAll('-', '');
}

function positiveInteger(text: string): number | undefined {
  const value = Number(text);
  return /^[1-9]\d*$/.test(text) && Number.isSafeInteger(value) ? value : undefined;
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, content: string): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${content}</body></html>`;
}
