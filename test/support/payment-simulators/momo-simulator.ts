import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Checkout, CheckoutOrder, RawHttpRequest } from '../../../adapters/payment/connector';
import { type CompletedPayment, pathAndQuery, type ProviderSimulator, type SimulatedApi } from './simulator';

/**
 * MoMo AIO v2 on 127.0.0.1, as strict as the real gateway: it checks every request's
 * signature, partnerCode, field formats, amount range and requestId reuse, and answers the
 * way MoMo does (JSON with `resultCode`, 4xx for refusals). Its signing code is its own, not
 * the connector's, so that a connector signing the wrong string fails. The payment page lives
 * at the payUrl; the citizen's choice (`complete`) posts a signed JSON IPN to the order's ipnUrl
 * and builds the signed browser return.
 */
const CREATE_FIELDS = ['accessKey', 'amount', 'extraData', 'ipnUrl', 'orderId', 'orderInfo', 'partnerCode', 'redirectUrl', 'requestId', 'requestType'];
const NOTICE_FIELDS = ['accessKey', 'amount', 'extraData', 'message', 'orderId', 'orderInfo', 'orderType', 'partnerCode', 'payType', 'requestId', 'responseTime', 'resultCode', 'transId'];
const QUERY_FIELDS = ['accessKey', 'orderId', 'partnerCode', 'requestId'];
const REFUND_FIELDS = ['accessKey', 'amount', 'description', 'orderId', 'partnerCode', 'requestId', 'transId'];

const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const MIN_AMOUNT = 1_000;
const MAX_AMOUNT = 50_000_000;
const MAX_BODY_BYTES = 64 * 1024;

const MESSAGES: Record<number, string> = {
  0: 'Thành công.',
  11: 'Truy cập bị từ chối.',
  13: 'Xác thực doanh nghiệp thất bại.',
  20: 'Yêu cầu sai định dạng.',
  22: 'Số tiền giao dịch nằm ngoài phạm vi cho phép.',
  40: 'RequestId bị trùng.',
  41: 'OrderId bị trùng.',
  42: 'OrderId không hợp lệ hoặc không được tìm thấy.',
  1000: 'Giao dịch đã được khởi tạo, chờ người dùng xác nhận thanh toán.',
  1006: 'Giao dịch thất bại do người dùng đã từ chối xác nhận thanh toán.',
  1081: 'Giao dịch bị từ chối do giao dịch thanh toán ban đầu có thể đã được hoàn hoặc số tiền hoàn vượt quá số tiền có thể hoàn.',
};

interface SimulatedOrder {
  orderId: string;
  requestId: string;
  amount: number;
  orderInfo: string;
  redirectUrl: string;
  ipnUrl: string;
  extraData: string;
  token: string;
  qrCodeUrl: string;
  /** 1000 until the citizen acts. */
  resultCode: number;
  transId: number;
  payType: string;
  refunded: number;
  refundTrans: { orderId: string; amount: number; resultCode: number; transId: number; createdTime: number }[];
  lastUpdated: number;
}

export interface IpnDelivery {
  orderId: string;
  resultCode: number;
  /** The hub's HTTP status; 0 when it could not be reached. MoMo counts anything but 204 as a failed delivery. */
  status: number;
}

export interface MomoSimulator extends ProviderSimulator {
  readonly ipnDeliveries: readonly IpnDelivery[];
}

class Refusal extends Error {
  constructor(
    readonly resultCode: number,
    readonly httpStatus = 400,
  ) {
    super(MESSAGES[resultCode] ?? `resultCode ${resultCode}`);
  }
}

export async function startMomoSimulator(options: { callbackUrl: string; returnUrl: string }): Promise<MomoSimulator> {
  const partnerCode = 'MOMOLT20260101_SIM';
  const accessKey = randomBytes(12).toString('base64url');
  const secretKey = randomBytes(24).toString('base64url');
  const orders = new Map<string, SimulatedOrder>();
  const ordersByToken = new Map<string, SimulatedOrder>();
  /** requestId → what it asked and what MoMo answered: the same request again gets the same answer, another request with it gets 40. */
  const requests = new Map<string, { fingerprint: string; answer: Record<string, unknown> }>();
  /** Every orderId MoMo has seen, payments and refunds alike: a refund needs a new one. */
  const usedOrderIds = new Set<string>();
  const refunds: { reference: string; amount: number }[] = [];
  const ipnDeliveries: IpnDelivery[] = [];
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  let nextTransId = 4_088_878_653;

  const sign = (fields: readonly string[], values: Record<string, unknown>): string =>
    createHmac('sha256', secretKey)
      .update(fields.map((field) => `${field}=${field === 'accessKey' ? accessKey : String(values[field])}`).join('&'))
      .digest('hex');

  const signatureValid = (fields: readonly string[], values: Record<string, unknown>): boolean => {
    const expected = Buffer.from(sign(fields, values));
    const received = Buffer.from(typeof values.signature === 'string' ? values.signature : '');
    return expected.length === received.length && timingSafeEqual(expected, received);
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', baseUrl);
      if (request.method === 'GET' && url.pathname === '/v2/gateway/pay') return servePaymentPage(url, response);
      const api = request.method === 'POST' ? /^\/v2\/gateway\/api\/(create|query|refund)$/.exec(url.pathname)?.[1] : undefined;
      if (!api) return response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
      const fault = faults.get(api as SimulatedApi);
      if (fault === 'timeout') return; // held open until stop()
      if (fault === 'down') return response.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
      if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
        return response.writeHead(415, { 'content-type': 'application/json' }).end('{"error":"Unsupported Media Type"}');
      }
      let body: Record<string, unknown> = {};
      try {
        if (size > MAX_BODY_BYTES) throw new Refusal(20);
        body = readJsonObject(Buffer.concat(chunks).toString('utf8'));
        const answer = api === 'create' ? create(body) : api === 'query' ? query(body) : refund(body);
        reply(response, 200, answer);
      } catch (error) {
        // A refusal echoes the request's own identifiers, as MoMo's do.
        const echo = { partnerCode: body.partnerCode, requestId: body.requestId, orderId: body.orderId };
        if (error instanceof Refusal) reply(response, error.httpStatus, { ...echo, resultCode: error.resultCode, message: error.message, responseTime: Date.now() });
        else reply(response, 500, { resultCode: 99, message: `simulator fault: ${(error as Error).message}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** MoMo's idempotency: the same requestId and body again is answered as before; the same requestId for anything else is refused. */
  function once(api: string, body: Record<string, unknown>, handle: () => Record<string, unknown>): Record<string, unknown> {
    const requestId = body.requestId as string;
    const fingerprint = `${api}:${JSON.stringify(body)}`;
    const earlier = requests.get(requestId);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) throw new Refusal(40);
      return earlier.answer;
    }
    const answer = handle();
    requests.set(requestId, { fingerprint, answer });
    return answer;
  }

  function authenticate(body: Record<string, unknown>, fields: readonly string[]): void {
    if (body.partnerCode !== partnerCode) throw new Refusal(11, 403);
    if (!signatureValid(fields, body)) throw new Refusal(13, 401);
  }

  function create(body: Record<string, unknown>): Record<string, unknown> {
    requireText(body, 'requestId', 50);
    requireText(body, 'orderInfo', 255);
    requireText(body, 'extraData', 1000, true);
    requireOrderId(body.orderId);
    requireAmount(body.amount);
    for (const field of ['redirectUrl', 'ipnUrl']) if (!isWebUrl(body[field])) throw new Refusal(20);
    if (body.requestType !== 'captureWallet') throw new Refusal(20);
    if (body.lang !== 'vi' && body.lang !== 'en') throw new Refusal(20);
    authenticate(body, CREATE_FIELDS);
    return once('create', body, () => {
      const orderId = body.orderId as string;
      if (usedOrderIds.has(orderId)) throw new Refusal(41);
      const token = randomBytes(18).toString('base64url');
      const order: SimulatedOrder = {
        orderId,
        requestId: body.requestId as string,
        amount: body.amount as number,
        orderInfo: body.orderInfo as string,
        redirectUrl: body.redirectUrl as string,
        ipnUrl: body.ipnUrl as string,
        extraData: body.extraData as string,
        token,
        qrCodeUrl: `momo://app?action=payWithApp&isScanQR=true&serviceType=qr&sid=${token}&v=3.0`,
        resultCode: 1000,
        transId: 0,
        payType: '',
        refunded: 0,
        refundTrans: [],
        lastUpdated: Date.now(),
      };
      usedOrderIds.add(orderId);
      orders.set(orderId, order);
      ordersByToken.set(token, order);
      return {
        partnerCode,
        requestId: order.requestId,
        orderId,
        amount: order.amount,
        responseTime: Date.now(),
        message: MESSAGES[0],
        resultCode: 0,
        payUrl: `${baseUrl}/v2/gateway/pay?t=${token}`,
        deeplink: `momo://app?action=payWithApp&isScanQR=false&serviceType=app&sid=${token}&v=3.0`,
        qrCodeUrl: order.qrCodeUrl,
      };
    });
  }

  function query(body: Record<string, unknown>): Record<string, unknown> {
    requireText(body, 'requestId', 50);
    requireText(body, 'orderId', 50);
    if (body.lang !== 'vi' && body.lang !== 'en') throw new Refusal(20);
    authenticate(body, QUERY_FIELDS);
    return once('query', body, () => {
      const order = orders.get(body.orderId as string);
      const base = { partnerCode, requestId: body.requestId, orderId: body.orderId, responseTime: Date.now() };
      if (!order) return { ...base, resultCode: 42, message: MESSAGES[42] };
      return {
        ...base,
        extraData: order.extraData,
        amount: order.amount,
        transId: order.transId,
        payType: order.payType,
        resultCode: order.resultCode,
        refundTrans: order.refundTrans,
        message: MESSAGES[order.resultCode],
        lastUpdated: order.lastUpdated,
      };
    });
  }

  function refund(body: Record<string, unknown>): Record<string, unknown> {
    requireText(body, 'requestId', 50);
    requireText(body, 'description', 255, true);
    requireOrderId(body.orderId);
    if (typeof body.amount !== 'number' || !Number.isSafeInteger(body.amount)) throw new Refusal(20);
    if (typeof body.transId !== 'number' || !Number.isSafeInteger(body.transId)) throw new Refusal(20);
    if (body.lang !== 'vi' && body.lang !== 'en') throw new Refusal(20);
    authenticate(body, REFUND_FIELDS);
    return once('refund', body, () => {
      const orderId = body.orderId as string;
      const amount = body.amount as number;
      if (amount < MIN_AMOUNT || amount > MAX_AMOUNT) throw new Refusal(22);
      if (usedOrderIds.has(orderId)) throw new Refusal(41);
      const paid = [...orders.values()].find((order) => order.resultCode === 0 && order.transId === body.transId);
      if (!paid) throw new Refusal(42);
      if (paid.refunded + amount > paid.amount) throw new Refusal(1081);
      const transId = nextTransId++;
      usedOrderIds.add(orderId);
      paid.refunded += amount;
      paid.refundTrans.push({ orderId, amount, resultCode: 0, transId, createdTime: Date.now() });
      refunds.push({ reference: orderId, amount });
      return { partnerCode, orderId, requestId: body.requestId, amount, transId, resultCode: 0, message: MESSAGES[0], responseTime: Date.now() };
    });
  }

  function servePaymentPage(url: URL, response: http.ServerResponse): void {
    const order = ordersByToken.get(url.searchParams.get('t') ?? '');
    if (!order) return htmlPage(response, 400, 'Yêu cầu thanh toán không hợp lệ', '<p>Giao dịch không tồn tại hoặc đã hết hạn.</p>');
    if (order.resultCode !== 1000) return htmlPage(response, 410, 'Giao dịch đã kết thúc', `<p>Đơn hàng ${escapeHtml(order.orderId)} đã được xử lý.</p>`);
    htmlPage(
      response,
      200,
      'Thanh toán qua Ví MoMo',
      `<dl><dt>Nhà cung cấp</dt><dd>${escapeHtml(partnerCode)}</dd><dt>Mã đơn hàng</dt><dd>${escapeHtml(order.orderId)}</dd>` +
        `<dt>Mô tả</dt><dd>${escapeHtml(order.orderInfo)}</dd><dt>Số tiền</dt><dd>${order.amount.toLocaleString('vi-VN')}đ</dd></dl>` +
        `<p>Quét mã QR bằng ứng dụng MoMo: <code>${escapeHtml(order.qrCodeUrl)}</code></p>`,
    );
  }

  /** The citizen at MoMo's page, then MoMo telling the merchant: IPN (POST JSON) and the browser sent back (GET with the same fields). */
  async function complete(checkout: Checkout, order: CheckoutOrder, outcome: 'success' | 'failure', completion?: { deliver?: boolean }): Promise<CompletedPayment> {
    const stored = await openPaymentPage(checkout);
    if (stored.orderId !== order.reference) throw new Error(`MoMo: the payUrl is for order ${stored.orderId}, not ${order.reference}`);
    if (stored.amount !== order.amount) throw new Error(`MoMo: order ${stored.orderId} was created for ${stored.amount} VND, not ${order.amount}`);
    if (stored.ipnUrl !== options.callbackUrl) throw new Error(`MoMo: order ${stored.orderId} names ipnUrl ${stored.ipnUrl}, not the hub's callback URL`);
    if (stored.redirectUrl !== options.returnUrl) throw new Error(`MoMo: order ${stored.orderId} names redirectUrl ${stored.redirectUrl}, not the hub's return URL`);
    if (checkout.qr && checkout.qr.payload !== stored.qrCodeUrl) throw new Error(`MoMo: the checkout's QR is not the one MoMo issued for ${stored.orderId}`);

    stored.resultCode = outcome === 'success' ? 0 : 1006;
    stored.transId = nextTransId++;
    stored.payType = 'qr';
    stored.lastUpdated = Date.now();
    const notice: Record<string, string | number> = {
      partnerCode,
      orderId: stored.orderId,
      requestId: stored.requestId,
      amount: stored.amount,
      orderInfo: stored.orderInfo,
      orderType: 'momo_wallet',
      transId: stored.transId,
      resultCode: stored.resultCode,
      message: MESSAGES[stored.resultCode]!,
      payType: stored.payType,
      responseTime: stored.lastUpdated,
      extraData: stored.extraData,
    };
    notice.signature = sign(NOTICE_FIELDS, notice);

    const body = JSON.stringify(notice);
    const callback: RawHttpRequest = { method: 'POST', url: pathAndQuery(stored.ipnUrl), headers: { 'content-type': 'application/json' }, body };
    const returnUrl = new URL(stored.redirectUrl);
    for (const [name, value] of Object.entries(notice)) returnUrl.searchParams.append(name, String(value));
    const browserReturn: RawHttpRequest = { method: 'GET', url: pathAndQuery(returnUrl.href), headers: {}, body: '' };

    if (completion?.deliver !== false) ipnDeliveries.push({ orderId: stored.orderId, resultCode: stored.resultCode, status: await deliver(stored.ipnUrl, body) });
    return { callback, browserReturn };
  }

  /** The citizen's browser at the payUrl: only a page MoMo served for a live order can be paid. */
  async function openPaymentPage(checkout: Checkout): Promise<SimulatedOrder> {
    if (!checkout.redirectUrl) throw new Error('MoMo: the checkout has no payUrl to send the citizen to');
    const payUrl = new URL(checkout.redirectUrl);
    if (payUrl.origin !== baseUrl || payUrl.pathname !== '/v2/gateway/pay') throw new Error(`MoMo: ${payUrl.origin}${payUrl.pathname} is not MoMo's payment page`);
    const page = await fetch(payUrl);
    const html = await page.text();
    if (page.status !== 200) throw new Error(`MoMo's payment page refused the checkout (HTTP ${page.status}): ${html.replace(/<[^>]+>/g, ' ').trim()}`);
    const stored = ordersByToken.get(payUrl.searchParams.get('t') ?? '');
    if (!stored) throw new Error('MoMo: the payment page has no order');
    return stored;
  }

  async function deliver(ipnUrl: string, body: string): Promise<number> {
    try {
      const answer = await fetch(ipnUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
      await answer.arrayBuffer();
      return answer.status;
    } catch {
      return 0;
    }
  }

  return {
    settings: { partnerCode, accessKey, secretKey, baseUrl },
    refunds,
    ipnDeliveries,
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

function readJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Refusal(20);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(20);
  return value as Record<string, unknown>;
}

function requireText(body: Record<string, unknown>, field: string, maxLength: number, emptyAllowed = false): void {
  const value = body[field];
  if (typeof value !== 'string' || value.length > maxLength || (!emptyAllowed && value === '')) throw new Refusal(20);
}

function requireOrderId(value: unknown): void {
  if (typeof value !== 'string' || value.length > 50 || !ORDER_ID.test(value)) throw new Refusal(20);
}

function requireAmount(value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Refusal(20);
  if (value < MIN_AMOUNT || value > MAX_AMOUNT) throw new Refusal(22);
}

function isWebUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function reply(response: http.ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

function htmlPage(response: http.ServerResponse, status: number, title: string, content: string): void {
  response
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${content}</body></html>`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
