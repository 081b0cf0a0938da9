import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Checkout, CheckoutOrder, RawHttpRequest } from '../../../adapters/payment/connector';
import { type CompletedPayment, pathAndQuery, type ProviderSimulator, type SimulatedApi } from './simulator';

/**
 * VietQR's side: the payer's bank reading the QR, and the aggregator watching the agency's
 * account (VietQR.vn's transaction-sync notices, SePay's transaction list). The QR is decoded
 * and checked here with code of its own, not the connector's, so that a connector that builds
 * a wrong code fails. Endpoints:
 * - GET /qr?payload=…: what a banking app shows for a scanned code (HTML), or refuses (400).
 * - GET /userapi/transactions/list: SePay's list, bearer API token, filters account_number,
 *   transaction_date_min (yyyy-mm-dd, GMT+7), amount_in. This is the `query` API for fault().
 * No order is kept: a locally built QR is unknown to the aggregator until money arrives. A
 * paid order becomes a credit (kept, and listed) whose memo the bank mangled, notified to the
 * hub with the bearer token and a `sign`. A citizen who does not pay makes no transfer: no
 * notice at all, and no refund is ever made (bank transfers are refunded by hand).
 */
interface VietqrCredit {
  id: string;
  transactionId: string;
  referenceNumber: string;
  amount: number;
  content: string;
  at: Date;
}

const ACCOUNT = { bankBin: '970436', accountNumber: '1017788990', accountName: 'KHO BAC NHA NUOC HA NOI' };

class QrRefused extends Error {}

/** TLV fields of one level, refusing anything that does not parse exactly. */
function decodeFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const id = text.slice(at, at + 2);
    const length = text.slice(at + 2, at + 4);
    if (!/^\d{2}$/.test(id) || !/^\d{2}$/.test(length)) throw new QrRefused(`bad TLV header at ${at}`);
    const value = text.slice(at + 4, at + 4 + Number(length));
    if (value.length !== Number(length) || value.length === 0) throw new QrRefused(`tag ${id} is cut short`);
    if (fields.has(id)) throw new QrRefused(`tag ${id} twice`);
    fields.set(id, value);
    at += 4 + value.length;
  }
  return fields;
}

function crc(text: string): string {
  let value = 0xffff;
  for (let i = 0; i < text.length; i += 1) {
    value ^= text.charCodeAt(i) << 8;
    for (let bit = 0; bit < 8; bit += 1) value = (value & 0x8000 ? (value << 1) ^ 0x1021 : value << 1) & 0xffff;
  }
  return value.toString(16).toUpperCase().padStart(4, '0');
}

function expectField(fields: Map<string, string>, id: string, expected: string, what: string): void {
  if (fields.get(id) !== expected) throw new QrRefused(`${what} (tag ${id}) is ${JSON.stringify(fields.get(id))}, expected ${JSON.stringify(expected)}`);
}

/** What a Napas member bank accepts to pay: the order's details, or a refusal. */
function readTransferQr(payload: string): { bankBin: string; accountNumber: string; amount: number; purpose: string } {
  if (!/^[\x20-\x7E]+$/.test(payload)) throw new QrRefused('not plain ASCII');
  if (!/6304[0-9A-F]{4}$/.test(payload)) throw new QrRefused('no CRC at the end');
  if (crc(payload.slice(0, -4)) !== payload.slice(-4)) throw new QrRefused('CRC mismatch');
  const fields = decodeFields(payload);
  if ([...fields.keys()][0] !== '00' || [...fields.keys()].at(-1) !== '63') throw new QrRefused('tag 00 must come first and tag 63 last');
  expectField(fields, '00', '01', 'payload format');
  expectField(fields, '01', '12', 'initiation method (dynamic)');
  expectField(fields, '53', '704', 'currency');
  expectField(fields, '58', 'VN', 'country');
  const merchant = decodeFields(fields.get('38') ?? '');
  expectField(merchant, '00', 'A000000727', 'Napas GUID');
  expectField(merchant, '02', 'QRIBFTTA', 'service code');
  const beneficiary = decodeFields(merchant.get('01') ?? '');
  const amount = fields.get('54') ?? '';
  if (!/^[1-9][0-9]{0,12}$/.test(amount)) throw new QrRefused(`amount ${JSON.stringify(amount)} is not an integer of VND`);
  const purpose = decodeFields(fields.get('62') ?? '').get('08');
  if (purpose === undefined || purpose.length > 25) throw new QrRefused('no purpose (62.08) of at most 25 characters');
  return { bankBin: beneficiary.get('00') ?? '', accountNumber: beneficiary.get('01') ?? '', amount: Number(amount), purpose };
}

/** yyyy-mm-dd HH:mm:ss in GMT+7, as SePay shows transaction dates. */
function gmt7(at: Date): string {
  return new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A memo as banks deliver it: lower case, a space in the middle of the code, their own text around it. */
function bankMemo(purpose: string, sequence: number): string {
  const lowered = purpose.toLowerCase();
  return `MBVCB.${8800 + sequence}.${lowered.slice(0, 6)} ${lowered.slice(6)}.CT tu 0011004${sequence} NGUYEN VAN AN toi ${ACCOUNT.accountNumber}`;
}

export async function startVietqrSimulator(options: { callbackUrl: string; returnUrl: string }): Promise<ProviderSimulator> {
  const noticeToken = randomBytes(24).toString('hex');
  const noticeSigningKey = randomBytes(24).toString('base64');
  const apiToken = randomBytes(24).toString('hex');
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  const credits: VietqrCredit[] = [];

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    if (request.method === 'GET' && url.pathname === '/qr') return servePaymentPage(url, response);
    if (request.method === 'GET' && url.pathname === '/userapi/transactions/list') return serveTransactionList(request, url, response);
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":404,"error":"Not found"}');
  });

  function servePaymentPage(url: URL, response: http.ServerResponse): void {
    try {
      const qr = readTransferQr(url.searchParams.get('payload') ?? '');
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>Chuyển khoản</title><p>Ngân hàng ${qr.bankBin}, tài khoản ${qr.accountNumber} (${ACCOUNT.accountName})</p><p>Số tiền ${qr.amount} VND</p><p>Nội dung ${qr.purpose}</p>`);
    } catch (error) {
      response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Mã QR không hợp lệ</title><p>${(error as Error).message}</p>`);
    }
  }

  function serveTransactionList(request: http.IncomingMessage, url: URL, response: http.ServerResponse): void {
    const fault = faults.get('query');
    if (fault === 'timeout') return; // never answered; stop() closes the connection
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (fault === 'down') return json(503, { status: 503, error: 'Service Unavailable', messages: { success: false } });
    if (request.headers.authorization !== `Bearer ${apiToken}`) return json(401, { status: 401, error: 'Unauthorized', messages: { success: false } });
    const accountNumber = url.searchParams.get('account_number');
    const dateMin = url.searchParams.get('transaction_date_min');
    const amountIn = url.searchParams.get('amount_in');
    if (dateMin !== null && !/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/.test(dateMin)) return json(400, { status: 400, error: 'transaction_date_min: yyyy-mm-dd', messages: { success: false } });
    if (amountIn !== null && !/^\d+$/.test(amountIn)) return json(400, { status: 400, error: 'amount_in: a number', messages: { success: false } });
    const rows = credits
      .filter((credit) => (accountNumber === null || accountNumber === ACCOUNT.accountNumber) && (dateMin === null || gmt7(credit.at) >= dateMin) && (amountIn === null || credit.amount === Number(amountIn)))
      .reverse()
      .map((credit) => ({
        id: credit.id,
        bank_brand_name: 'Vietcombank',
        account_number: ACCOUNT.accountNumber,
        transaction_date: gmt7(credit.at),
        amount_out: '0.00',
        amount_in: `${credit.amount}.00`,
        accumulated: '0.00',
        transaction_content: credit.content,
        reference_number: credit.referenceNumber,
        code: null,
        sub_account: null,
        bank_account_id: '19',
      }));
    json(200, { status: 200, error: null, messages: { success: true }, transactions: rows });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** The transaction-sync notice for a credit, signed as VietQR.vn signs it. */
  function creditNotice(credit: VietqrCredit): RawHttpRequest {
    const transactiontime = credit.at.getTime();
    const orderId = '';
    const sign = createHmac('sha256', noticeSigningKey).update(`${credit.transactionId}${String(credit.amount).padStart(10, '0')}${transactiontime}${orderId}`).digest('hex');
    const body = JSON.stringify({
      transactionid: credit.transactionId,
      transactiontime,
      referencenumber: credit.referenceNumber,
      amount: credit.amount,
      content: credit.content,
      bankaccount: ACCOUNT.accountNumber,
      transType: 'C',
      orderId,
      sign,
      terminalCode: '',
      subTerminalCode: '',
      serviceCode: '',
      urlLink: '',
    });
    return { method: 'POST', url: pathAndQuery(options.callbackUrl), headers: { 'content-type': 'application/json', authorization: `Bearer ${noticeToken}` }, body };
  }

  async function deliver(notice: RawHttpRequest): Promise<void> {
    const answer = await fetch(options.callbackUrl, { method: 'POST', headers: notice.headers as Record<string, string>, body: notice.body });
    await answer.text();
  }

  return {
    settings: { ...ACCOUNT, noticeToken, noticeSigningKey, transactionsUrl: `${base}/userapi/transactions/list`, apiToken },
    refunds: [],

    async complete(checkout: Checkout, order: CheckoutOrder, outcome: 'success' | 'failure', completeOptions?: { deliver?: boolean }): Promise<CompletedPayment> {
      if (checkout.qr === undefined) throw new Error('vietqr: the checkout has no QR payload');
      const qr = readTransferQr(checkout.qr.payload);
      if (qr.bankBin !== ACCOUNT.bankBin || qr.accountNumber !== ACCOUNT.accountNumber) throw new Error(`vietqr: the QR pays ${qr.bankBin}/${qr.accountNumber}, not the agency's account`);
      if (qr.amount !== order.amount) throw new Error(`vietqr: the QR asks ${qr.amount} VND, the order ${order.amount}`);
      if (qr.purpose !== order.reference) throw new Error(`vietqr: the QR's purpose ${qr.purpose} is not the order's reference ${order.reference}`);
      if (outcome === 'failure') return { callback: undefined, browserReturn: undefined };

      const sequence = credits.length + 1;
      const credit: VietqrCredit = {
        id: String(49_000 + sequence),
        transactionId: randomUUID(),
        referenceNumber: `FT${gmt7(new Date()).slice(2, 10).replace(/-/g, '')}${String(sequence).padStart(8, '0')}`,
        amount: qr.amount,
        content: bankMemo(qr.purpose, sequence),
        at: new Date(),
      };
      credits.push(credit);
      const notice = creditNotice(credit);
      if (completeOptions?.deliver !== false) await deliver(notice);
      return { callback: notice, browserReturn: undefined };
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
