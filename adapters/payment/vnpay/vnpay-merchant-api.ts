import { randomBytes } from 'node:crypto';
import { type AttemptRef, type ConnectorContext, ProviderUnavailableError, type RefundOrder, type RefundReport, type StatusReport } from '../connector';
import { QUERY_ANSWERED, QUERY_NOT_FOUND, queriedResult, refundResult } from './vnpay-codes';
import { fromVnpayAmount, toVnpayAmount, vnpayText, vnpayTimestamp } from './vnpay-format';
import { vnpaySettings } from './vnpay-settings';
import { SECURE_HASH, pipeHash, sameHash } from './vnpay-signing';

/**
 * VNPay's merchant API (merchant_webapi/api/transaction): querydr and refund, JSON POSTs
 * whose checksum is HMAC-SHA512 over fields joined with '|' in a documented order, both ways.
 * An answer that is not HTTP 200, not JSON, not signed right or about another merchant or
 * order is unusable: ProviderUnavailableError, and the hub asks again later.
 */
export const VERSION = '2.1.0';

const QUERY_REQUEST_FIELDS = ['vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_TransactionDate', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo'] as const;
const REFUND_REQUEST_FIELDS = ['vnp_RequestId', 'vnp_Version', 'vnp_Command', 'vnp_TmnCode', 'vnp_TransactionType', 'vnp_TxnRef', 'vnp_Amount', 'vnp_TransactionNo', 'vnp_TransactionDate', 'vnp_CreateBy', 'vnp_CreateDate', 'vnp_IpAddr', 'vnp_OrderInfo'] as const;
const REFUND_ANSWER_FIELDS = ['vnp_ResponseId', 'vnp_Command', 'vnp_ResponseCode', 'vnp_Message', 'vnp_TmnCode', 'vnp_TxnRef', 'vnp_Amount', 'vnp_BankCode', 'vnp_PayDate', 'vnp_TransactionNo', 'vnp_TransactionType', 'vnp_TransactionStatus', 'vnp_OrderInfo'] as const;
const QUERY_ANSWER_FIELDS = [...REFUND_ANSWER_FIELDS, 'vnp_PromotionCode', 'vnp_PromotionAmount'] as const;

const FULL_REFUND = '02';
const PARTIAL_REFUND = '03';
const CODE = /^[0-9]{2}$/;
/** vnp_ResponseCode 00 on either command: the request was carried out. */
const REQUEST_DONE = '00';

type Answer = Readonly<Record<string, string>>;

/** A JSON value as VNPay's checksum sees it: strings and numbers as written, anything absent or null as ''. */
function scalar(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function readAnswer(body: string, signedFields: readonly string[]): Answer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const answer: Record<string, string> = {};
  for (const name of [...signedFields, SECURE_HASH]) {
    const value = scalar((json as Record<string, unknown>)[name]);
    if (value === undefined) return undefined;
    answer[name] = value;
  }
  return answer;
}

async function callMerchantApi(
  context: ConnectorContext,
  request: Record<string, string>,
  requestFields: readonly string[],
  answerFields: readonly string[],
  reference: string,
): Promise<{ answer: Answer; raw: string }> {
  const { hashSecret, apiUrl, tmnCode } = vnpaySettings(context.settings);
  const body = JSON.stringify({ ...request, [SECURE_HASH]: pipeHash(hashSecret, requestFields.map((name) => request[name] ?? '')) });
  const response = await context.http.request({ method: 'POST', url: apiUrl, headers: { 'content-type': 'application/json' }, body });
  const command = request.vnp_Command;
  if (response.status !== 200) throw new ProviderUnavailableError(`VNPay ${command} answered HTTP ${response.status}`);
  const answer = readAnswer(response.body, answerFields);
  if (!answer || !sameHash(pipeHash(hashSecret, answerFields.map((name) => answer[name] ?? '')), answer[SECURE_HASH])) {
    throw new ProviderUnavailableError(`VNPay ${command} answer is not JSON signed with this merchant's secret`);
  }
  const code = answer.vnp_ResponseCode ?? '';
  // A refusal (bad format, unknown order) may not echo the merchant and order; an answer that does must echo ours.
  const about = (name: string, expected: string) => answer[name] === expected || (answer[name] === '' && code !== REQUEST_DONE);
  if (!CODE.test(code) || !about('vnp_TmnCode', tmnCode) || !about('vnp_TxnRef', reference) || (answer.vnp_Command !== '' && answer.vnp_Command !== command)) {
    throw new ProviderUnavailableError(`VNPay ${command} answer is about another merchant, order or command`);
  }
  return { answer, raw: response.body };
}

/** querydr: where VNPay stands on an attempt. 91 (no such transaction) is PENDING: the citizen never got to pay. */
export async function queryVnpayStatus(context: ConnectorContext, attempt: AttemptRef): Promise<StatusReport> {
  const settings = vnpaySettings(context.settings);
  const request = {
    // Alphanumeric[1,32], unique per day at VNPay: 128 random bits.
    vnp_RequestId: randomBytes(16).toString('hex'),
    vnp_Version: VERSION,
    vnp_Command: 'querydr',
    vnp_TmnCode: settings.tmnCode,
    vnp_TxnRef: attempt.reference,
    // VNPay finds the transaction by its reference and its vnp_CreateDate.
    vnp_TransactionDate: vnpayTimestamp(attempt.createdAt),
    vnp_CreateDate: vnpayTimestamp(context.now),
    vnp_IpAddr: settings.serverIpAddr ?? attempt.clientIp,
    vnp_OrderInfo: `Truy van giao dich ${attempt.reference}`,
  };
  const { answer, raw } = await callMerchantApi(context, request, QUERY_REQUEST_FIELDS, QUERY_ANSWER_FIELDS, attempt.reference);
  const code = answer.vnp_ResponseCode ?? '';
  if (code === QUERY_NOT_FOUND) return { result: 'PENDING', amount: undefined, providerTransactionId: undefined, providerCode: code, eventKey: `querydr:${attempt.reference}:${code}`, raw };
  if (code !== QUERY_ANSWERED) throw new ProviderUnavailableError(`VNPay refused querydr with code ${code}`);
  const status = answer.vnp_TransactionStatus ?? '';
  const transactionNo = answer.vnp_TransactionNo ?? '';
  if (!CODE.test(status)) throw new ProviderUnavailableError('VNPay querydr answer has no transaction status');
  return {
    result: queriedResult(status),
    amount: fromVnpayAmount(answer.vnp_Amount),
    providerTransactionId: transactionNo !== '' && transactionNo !== '0' ? transactionNo : undefined,
    providerCode: status,
    eventKey: `querydr:${attempt.reference}:${transactionNo}:${status}`,
    raw,
  };
}

/** refund: all of the payment is TransactionType 02, part of it 03; the refund's own reference is its vnp_RequestId. */
export async function refundVnpay(context: ConnectorContext, order: RefundOrder): Promise<RefundReport> {
  const settings = vnpaySettings(context.settings);
  if (!Number.isSafeInteger(order.amount) || order.amount <= 0 || order.amount > order.paidAmount) {
    throw new RangeError(`vnpay refund: amount ${order.amount} is not between 1 and the paid ${order.paidAmount}`);
  }
  if (!/^[0-9A-Za-z]{1,32}$/.test(order.reference)) throw new RangeError('vnpay refund: the reference must be 1 to 32 letters or digits (vnp_RequestId)');
  const request = {
    vnp_RequestId: order.reference,
    vnp_Version: VERSION,
    vnp_Command: 'refund',
    vnp_TmnCode: settings.tmnCode,
    vnp_TransactionType: order.amount === order.paidAmount ? FULL_REFUND : PARTIAL_REFUND,
    vnp_TxnRef: order.attempt.reference,
    vnp_Amount: toVnpayAmount(order.amount),
    // Optional for VNPay, which finds the payment by reference and date; sent empty when unknown, as VNPay's Java demo does.
    vnp_TransactionNo: order.attempt.providerTransactionId ?? '',
    vnp_TransactionDate: vnpayTimestamp(order.attempt.createdAt),
    vnp_CreateBy: vnpayText(order.requestedBy, 250) || 'LienThong',
    vnp_CreateDate: vnpayTimestamp(context.now),
    vnp_IpAddr: settings.serverIpAddr ?? order.attempt.clientIp,
    vnp_OrderInfo: vnpayText(`Hoan tien ${order.attempt.reference} ${order.reason}`, 255),
  };
  const { answer, raw } = await callMerchantApi(context, request, REFUND_REQUEST_FIELDS, REFUND_ANSWER_FIELDS, order.attempt.reference);
  const code = answer.vnp_ResponseCode ?? '';
  return {
    result: refundResult(code, answer.vnp_TransactionStatus ?? ''),
    providerRefundId: code === REQUEST_DONE && answer.vnp_TransactionNo ? answer.vnp_TransactionNo : undefined,
    providerCode: code,
    raw,
  };
}
