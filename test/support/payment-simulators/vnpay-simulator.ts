import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Checkout, CheckoutOrder, RawHttpRequest } from '../../../adapters/payment/connector';
import { type CompletedPayment, type ProviderSimulator, type SimulatedApi, pathAndQuery } from './simulator';

/**
 * VNPay 2.1.0 on 127.0.0.1, written from VNPay's documentation and independently of the
 * connector (its own encoding, clock and checksums), so that a connector bug shows up as a
 * refusal rather than as two copies of one mistake:
 * - GET /paymentv2/vpcpay.html: the payment page. A request VNPay would refuse gets its error
 *   page with VNPay's code (70 bad checksum, 72 unknown terminal, 03 bad data, 11 expired,
 *   01 reference reused for another order) and HTTP 400, so that the refusal cannot be missed.
 * - POST /merchant_webapi/api/transaction: querydr and refund, checked field by field, answered
 *   with VNPay's codes and pipe-joined checksums.
 * - the IPN: a GET with the signed vnp_* query to the IPN URL (in real life registered at
 *   VNPay's merchant portal; here `callbackUrl`), and the same query on the browser return.
 * Faults: `query` and `refund` act on their command of the merchant API, `create` on the page.
 */
const PAGE_PATH = '/paymentv2/vpcpay.html';
const API_PATH = '/merchant_webapi/api/transaction';
const CLOCK_TOLERANCE_MS = 15 * 60_000;

interface SimOrder {
  reference: string;
  /** In hundredths of a dong, as VNPay keeps it. */
  amount: bigint;
  orderInfo: string;
  createDate: string;
  expireDate: string;
  query: string;
  payment: SimPayment | undefined;
  refunded: bigint;
  partiallyRefunded: boolean;
}

interface SimPayment {
  responseCode: string;
  transactionStatus: string;
  transactionNo: string;
  bankCode: string;
  payDate: string;
  ipnAnswer: string | undefined;
}

const hmac = (secret: string, data: string) => createHmac('sha512', secret).update(data, 'utf8').digest('hex');

function sameHex(expected: string, received: unknown): boolean {
  if (typeof received !== 'string' || !/^[0-9a-fA-F]+$/.test(received)) return false;
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(received, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The query VNPay signs: vnp_* but the hash, non-empty, sorted, serialized by the WHATWG form encoder. */
function signedString(params: Iterable<[string, string]>): string {
  const fields = [...params].filter(([key, value]) => key.startsWith('vnp_') && key !== 'vnp_SecureHash' && key !== 'vnp_SecureHashType' && value !== '');
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(fields).toString();
}

const VIETNAM_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Ho_Chi_Minh',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function vietnamTime(date: Date): string {
  const part = (type: Intl.DateTimeFormatPartTypes) => VIETNAM_TIME.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}${part('month')}${part('day')}${part('hour')}${part('minute')}${part('second')}`;
}

/** A yyyyMMddHHmmss Vietnam time as an instant, or undefined when it is not one. */
function parseVietnamTime(value: string | undefined): Date | undefined {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(`${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}+07:00`);
  return Number.isNaN(date.getTime()) || vietnamTime(date) !== value ? undefined : date;
}

const nearNow = (date: Date | undefined) => date !== undefined && Math.abs(date.getTime() - Date.now()) <= CLOCK_TOLERANCE_MS;

class PageRefusal extends Error {
  constructor(readonly code: string) {
    super(`VNPay payment page error ${code}`);
  }
}

export async function startVnpaySimulator(options: { callbackUrl: string; returnUrl: string }): Promise<ProviderSimulator> {
  const tmnCode = 'LTSIM001';
  const hashSecret = randomBytes(16).toString('hex').toUpperCase();
  const orders = new Map<string, SimOrder>();
  const requestIds = { querydr: new Set<string>(), refund: new Set<string>() };
  const refunds: { reference: string; amount: number }[] = [];
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  let transactionCounter = 14_422_574;
  const nextTransactionNo = () => String((transactionCounter += 1));

  /** The payment page's checks, in the order VNPay's error codes suggest. */
  function acceptCheckout(search: URLSearchParams): SimOrder {
    const keys = [...search.keys()];
    if (new Set(keys).size !== keys.length) throw new PageRefusal('03');
    const get = (name: string) => search.get(name) ?? '';
    if (get('vnp_TmnCode') !== tmnCode) throw new PageRefusal('72');
    if (!sameHex(hmac(hashSecret, signedString(search)), get('vnp_SecureHash'))) throw new PageRefusal('70');
    const amount = get('vnp_Amount');
    const createDate = parseVietnamTime(get('vnp_CreateDate'));
    const expireDate = parseVietnamTime(get('vnp_ExpireDate'));
    const orderInfo = get('vnp_OrderInfo');
    const wellFormed =
      get('vnp_Version') === '2.1.0' &&
      get('vnp_Command') === 'pay' &&
      get('vnp_CurrCode') === 'VND' &&
      /^[1-9][0-9]{0,11}$/.test(amount) &&
      amount.endsWith('00') &&
      // VNPay takes 5,000 VND to under 1 billion VND per payment.
      BigInt(amount) >= 500_000n &&
      BigInt(amount) < 100_000_000_000n &&
      /^[0-9A-Za-z]{1,100}$/.test(get('vnp_TxnRef')) &&
      // "Tiếng Việt không dấu": plain ASCII, at most 255 characters.
      /^[\x20-\x7e]{1,255}$/.test(orderInfo) &&
      get('vnp_OrderType') !== '' &&
      ['vn', 'en'].includes(get('vnp_Locale')) &&
      get('vnp_ReturnUrl') === options.returnUrl &&
      /^[0-9A-Fa-f:.]{2,45}$/.test(get('vnp_IpAddr')) &&
      (!search.has('vnp_BankCode') || /^[0-9A-Za-z]{3,20}$/.test(get('vnp_BankCode')));
    if (!wellFormed || !createDate || !expireDate || !nearNow(createDate) || expireDate <= createDate) throw new PageRefusal('03');
    if (expireDate <= new Date()) throw new PageRefusal('11');

    const query = signedString(search);
    const known = orders.get(get('vnp_TxnRef'));
    if (known) {
      if (known.query !== query) throw new PageRefusal('01');
      return known;
    }
    const order: SimOrder = {
      reference: get('vnp_TxnRef'),
      amount: BigInt(amount),
      orderInfo,
      createDate: get('vnp_CreateDate'),
      expireDate: get('vnp_ExpireDate'),
      query,
      payment: undefined,
      refunded: 0n,
      partiallyRefunded: false,
    };
    orders.set(order.reference, order);
    return order;
  }

  function page(search: URLSearchParams): { status: number; html: string } {
    try {
      const order = acceptCheckout(search);
      return { status: 200, html: `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thanh toán VNPAY</title></head><body><h1>Thanh toán đơn hàng ${order.reference}</h1><p>Số tiền: ${order.amount / 100n} VND</p></body></html>` };
    } catch (error) {
      if (!(error instanceof PageRefusal)) throw error;
      return { status: 400, html: `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thông báo lỗi</title></head><body><p id="errorCode">${error.code}</p></body></html>` };
    }
  }

  function signedAnswer(fields: readonly string[], answer: Record<string, string>): Record<string, string> {
    return { ...answer, vnp_SecureHash: hmac(hashSecret, fields.map((name) => answer[name] ?? '').join('|')) };
  }

  const QUERY_ANSWER_FIELDS = ['vnp_ResponseId', 'vnp_Command', 'vnp_ResponseCode', 'vnp_Message', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_Amount', 'vnp_BankCode', 'vnp_PayDate', 'vnp_TransactionNo', 'vnp_TransactionType', 'vnp_TransactionStatus', 'vnp_OrderInfo', 'vnp_PromotionCode', 'vnp_PromotionAmount'];
  const REFUND_ANSWER_FIELDS = QUERY_ANSWER_FIELDS.slice(0, 13);
  const MESSAGES: Record<string, string> = { '00': 'Success', '02': 'Invalid TmnCode', '03': 'Invalid data format', '91': 'Transaction not found', '93': 'Invalid amount', '04': 'Full refund not allowed after partial refund', '94': 'Duplicate request', '95': 'Transaction not successful', '97': 'Invalid Checksum' };

  /** querydr and refund: the fields of each message must be there, well formed, and signed in their documented order. */
  function merchantApi(command: 'querydr' | 'refund', body: Record<string, unknown>): Record<string, string> {
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : typeof body[name] === 'number' ? String(body[name]) : '');
    const requestFields =
      command === 'querydr'
        ? ['vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_TransactionDate', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo']
        : ['vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TransactionType', 'vnp_TxnRef', 'vnp_Amount', 'vnp_TransactionNo', 'vnp_TransactionDate', 'vnp_CreateBy', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo'];
    const answerFields = command === 'querydr' ? QUERY_ANSWER_FIELDS : REFUND_ANSWER_FIELDS;
    const answer = (code: string, extra: Record<string, string> = {}) =>
      signedAnswer(answerFields, { vnp_ResponseId: randomBytes(16).toString('hex'), vnp_Command: command, vnp_ResponseCode: code, vnp_Message: MESSAGES[code] ?? 'Other error', vnp_TmnCode: text('vnp_TmnCode'), vnp_TxnRef: text('vnp_TxnRef'), ...extra });

    if (text('vnp_TmnCode') !== tmnCode) return answer('02');
    const formatOk =
      /^[0-9A-Za-z]{1,32}$/.test(text('vnp_RequestId')) &&
      text('vnp_Version') === '2.1.0' &&
      /^[0-9A-Za-z]{1,100}$/.test(text('vnp_TxnRef')) &&
      parseVietnamTime(text('vnp_TransactionDate')) !== undefined &&
      nearNow(parseVietnamTime(text('vnp_CreateDate'))) &&
      /^[0-9A-Fa-f:.]{2,45}$/.test(text('vnp_IpAddr')) &&
      /^[\x20-\x7e]{1,255}$/.test(text('vnp_OrderInfo')) &&
      (command === 'querydr' ||
        (['02', '03'].includes(text('vnp_TransactionType')) && /^[1-9][0-9]{0,11}00$/.test(text('vnp_Amount')) && /^[0-9]{0,20}$/.test(text('vnp_TransactionNo')) && /^[\x20-\x7e]{1,250}$/.test(text('vnp_CreateBy'))));
    if (!formatOk) return answer('03');
    if (!sameHex(hmac(hashSecret, requestFields.map(text).join('|')), body.vnp_SecureHash)) return answer('97');
    const seen = requestIds[command];
    if (seen.has(text('vnp_RequestId'))) return answer('94');
    seen.add(text('vnp_RequestId'));

    // VNPay finds a transaction by its reference and the vnp_CreateDate it was created with.
    const order = orders.get(text('vnp_TxnRef'));
    if (!order || order.createDate !== text('vnp_TransactionDate')) return answer('91');
    const payment = order.payment;
    if (command === 'querydr') {
      if (!payment) return answer('00', { vnp_Amount: String(order.amount), vnp_OrderInfo: order.orderInfo, vnp_TransactionType: '01', vnp_TransactionStatus: '01', vnp_TransactionNo: '0' });
      return answer('00', {
        vnp_Amount: String(order.amount),
        vnp_BankCode: payment.bankCode,
        vnp_PayDate: payment.payDate,
        vnp_TransactionNo: payment.transactionNo,
        vnp_TransactionType: '01',
        vnp_TransactionStatus: payment.transactionStatus,
        vnp_OrderInfo: order.orderInfo,
      });
    }

    if (!payment || payment.transactionStatus !== '00') return answer('95');
    if (text('vnp_TransactionNo') !== '' && text('vnp_TransactionNo') !== payment.transactionNo) return answer('91');
    const amount = BigInt(text('vnp_Amount'));
    const full = text('vnp_TransactionType') === '02';
    if (full && order.partiallyRefunded) return answer('04');
    if ((full && amount !== order.amount) || order.refunded + amount > order.amount) return answer('93');
    order.refunded += amount;
    order.partiallyRefunded ||= !full;
    refunds.push({ reference: text('vnp_RequestId'), amount: Number(amount / 100n) });
    return answer('00', {
      vnp_Amount: String(amount),
      vnp_BankCode: payment.bankCode,
      vnp_PayDate: vietnamTime(new Date()),
      vnp_TransactionNo: nextTransactionNo(),
      vnp_TransactionType: text('vnp_TransactionType'),
      // 05: VNPay is processing the refund.
      vnp_TransactionStatus: '05',
      vnp_OrderInfo: text('vnp_OrderInfo'),
    });
  }

  function readJson(text: string): Record<string, unknown> | undefined {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://vnpay.invalid');
      const send = (status: number, contentType: string, body: string) => response.writeHead(status, { 'content-type': contentType }).end(body);
      const misbehave = (api: SimulatedApi): boolean => {
        const fault = faults.get(api);
        // A timeout is an answer that never comes: the connection stays open until stop().
        if (fault === 'down') send(503, 'text/html; charset=utf-8', '<h1>503 Service Unavailable</h1>');
        return fault !== undefined;
      };
      if (request.method === 'GET' && url.pathname === PAGE_PATH) {
        if (misbehave('create')) return;
        const { status, html } = page(url.searchParams);
        return send(status, 'text/html; charset=utf-8', html);
      }
      if (request.method === 'POST' && url.pathname === API_PATH) {
        const body = readJson(Buffer.concat(chunks).toString('utf8'));
        const command = body?.vnp_Command;
        if (!body || !request.headers['content-type']?.startsWith('application/json') || (command !== 'querydr' && command !== 'refund')) {
          return send(200, 'application/json', JSON.stringify({ vnp_ResponseCode: '03', vnp_Message: 'Invalid data format' }));
        }
        if (misbehave(command === 'querydr' ? 'query' : 'refund')) return;
        return send(200, 'application/json', JSON.stringify(merchantApi(command, body)));
      }
      send(404, 'text/html; charset=utf-8', '<h1>404</h1>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** Sends the IPN as VNPay does (GET, no body) and keeps the merchant's answer. */
  function sendIpn(url: string): Promise<{ request: RawHttpRequest; answer: string }> {
    const headers = { 'user-agent': 'VNPAY-IPN', accept: 'application/json' };
    return new Promise((resolve, reject) => {
      const outgoing = http.request(url, { method: 'GET', headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ request: { method: 'GET', url: pathAndQuery(url), headers: { ...headers, host: new URL(url).host }, body: '' }, answer: Buffer.concat(chunks).toString('utf8') }));
        answer.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  return {
    settings: { tmnCode, hashSecret, baseUrl: origin, apiUrl: `${origin}${API_PATH}` },
    refunds,

    async complete(checkout: Checkout, order: CheckoutOrder, outcome: 'success' | 'failure', completeOptions?: { deliver?: boolean }): Promise<CompletedPayment> {
      if (!checkout.redirectUrl) throw new Error('a VNPay checkout is a redirect to the payment page; this one has no redirectUrl');
      // The citizen's browser opens the page: VNPay's own checks decide whether there is anything to pay.
      const opened = await fetch(checkout.redirectUrl);
      const html = await opened.text();
      if (opened.status !== 200) throw new Error(`VNPay refused the checkout (HTTP ${opened.status}): ${html}`);
      const reference = new URL(checkout.redirectUrl).searchParams.get('vnp_TxnRef') ?? '';
      const simOrder = orders.get(reference);
      if (!simOrder || reference !== order.reference || simOrder.amount !== BigInt(order.amount) * 100n) {
        throw new Error(`the VNPay checkout does not carry order ${order.reference} for ${order.amount} VND`);
      }
      const paid = outcome === 'success';
      const payment: SimPayment = {
        // 24: the customer cancelled; VNPay then reports vnp_TransactionNo=0 (no transaction made).
        responseCode: paid ? '00' : '24',
        transactionStatus: paid ? '00' : '02',
        transactionNo: paid ? nextTransactionNo() : '0',
        bankCode: 'NCB',
        payDate: vietnamTime(new Date()),
        ipnAnswer: undefined,
      };
      simOrder.payment = payment;
      const result = new URLSearchParams([
        ['vnp_Amount', String(simOrder.amount)],
        ['vnp_BankCode', payment.bankCode],
        ...(paid ? [['vnp_BankTranNo', `VNP${payment.transactionNo}`] as [string, string]] : []),
        ['vnp_CardType', 'ATM'],
        ['vnp_OrderInfo', simOrder.orderInfo],
        ['vnp_PayDate', payment.payDate],
        ['vnp_ResponseCode', payment.responseCode],
        ['vnp_TmnCode', tmnCode],
        ['vnp_TransactionNo', payment.transactionNo],
        ['vnp_TransactionStatus', payment.transactionStatus],
        ['vnp_TxnRef', simOrder.reference],
      ]);
      const signed = signedString(result);
      const query = `${signed}&vnp_SecureHash=${hmac(hashSecret, signed)}`;
      const callbackUrl = `${options.callbackUrl}?${query}`;
      const browserReturn: RawHttpRequest = { method: 'GET', url: pathAndQuery(`${options.returnUrl}?${query}`), headers: {}, body: '' };
      if (completeOptions?.deliver === false) {
        return { callback: { method: 'GET', url: pathAndQuery(callbackUrl), headers: { host: new URL(callbackUrl).host }, body: '' }, browserReturn };
      }
      const { request, answer } = await sendIpn(callbackUrl);
      payment.ipnAnswer = answer;
      return { callback: request, browserReturn };
    },

    fault(api: SimulatedApi, kind: 'timeout' | 'down' | undefined) {
      if (kind) faults.set(api, kind);
      else faults.delete(api);
    },

    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A vnp_* query signed as VNPay signs it: for tests that play VNPay sending something else (another amount, another merchant). */
export function signVnpayQuery(hashSecret: string, params: URLSearchParams): string {
  const signed = signedString(params);
  return `${signed}&vnp_SecureHash=${hmac(hashSecret, signed)}`;
}
