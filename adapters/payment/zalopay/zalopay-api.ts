import {
  type AttemptRef,
  type Checkout,
  type CheckoutOrder,
  type ConnectorContext,
  ProviderUnavailableError,
  type RefundOrder,
  type RefundReport,
  type StatusReport,
} from '../connector';
import { parseJsonObject, transactionEventKey } from './zalopay-notices';
import type { ZalopaySettings } from './zalopay-settings';
import { createOrderMacInput, hmacHex, queryMacInput, refundMacInput } from './zalopay-signing';
import { REQUEST_REFUSED_SUB_CODES, apiResult } from './zalopay-status';

/**
 * The ZaloPay v2 APIs the hub calls: /v2/create, /v2/query and /v2/refund, each a
 * form-urlencoded POST signed with key1, each answered with JSON carrying `return_code`.
 */

/** ZaloPay's app_user names the payer in the merchant's system; the hub pays on behalf of citizens it does not identify to ZaloPay. */
const APP_USER = 'lienthong';
/** The hub sells no catalogue items: ZaloPay wants an empty JSON array then. */
const NO_ITEMS = '[]';
/** expire_duration_seconds bounds in ZaloPay's create spec. */
const MIN_EXPIRY_SECONDS = 300;
const MAX_EXPIRY_SECONDS = 2_592_000;
/** An app_trans_id made by `reference`: `yymmdd_` then the hub's token. */
const REFERENCE_PATTERN = /^(\d{6})_([0-9A-Za-z_.-]{1,33})$/;

export async function createOrder(context: ConnectorContext, settings: ZalopaySettings, order: CheckoutOrder): Promise<Checkout> {
  requireVnd(order.amount);
  if (!REFERENCE_PATTERN.test(order.reference)) throw new Error(`zalopay: ${order.reference} is not an app_trans_id made by this connector`);
  // app_time is the order's creation: its GMT+7 day is the one the reference starts with.
  const appTime = order.createdAt.getTime();
  const embedData = JSON.stringify({ redirecturl: context.returnUrl });
  const mac = hmacHex(settings.key1, createOrderMacInput({ appId: settings.appId, appTransId: order.reference, appUser: APP_USER, amount: order.amount, appTime, embedData, item: NO_ITEMS }));
  const { answer, returnCode } = await postForm(context, `${settings.baseUrl}/v2/create`, {
    app_id: String(settings.appId),
    app_user: APP_USER,
    app_trans_id: order.reference,
    app_time: String(appTime),
    amount: String(order.amount),
    item: NO_ITEMS,
    embed_data: embedData,
    description: order.description,
    bank_code: order.bankCode ?? '',
    callback_url: context.callbackUrl,
    expire_duration_seconds: String(expirySeconds(order)),
    mac,
  });
  if (returnCode !== 1) throw new ProviderUnavailableError(`ZaloPay refused order ${order.reference}: ${refusal(answer, returnCode)}`);
  const { order_url: orderUrl, zp_trans_token: token } = answer;
  if (typeof orderUrl !== 'string' || !isHttpUrl(orderUrl) || typeof token !== 'string' || token === '') {
    throw new ProviderUnavailableError(`ZaloPay accepted order ${order.reference} without an order_url and zp_trans_token`);
  }
  return { redirectUrl: orderUrl, providerOrderId: token };
}

export async function queryOrder(context: ConnectorContext, settings: ZalopaySettings, attempt: AttemptRef): Promise<StatusReport> {
  const mac = hmacHex(settings.key1, queryMacInput(settings.appId, attempt.reference, settings.key1));
  const { answer, returnCode, raw } = await postForm(context, `${settings.baseUrl}/v2/query`, {
    app_id: String(settings.appId),
    app_trans_id: attempt.reference,
    mac,
  });
  const subCode = readInteger(answer.sub_return_code);
  if (returnCode === 2 && subCode !== undefined && REQUEST_REFUSED_SUB_CODES.has(subCode)) {
    throw new ProviderUnavailableError(`ZaloPay refused the status query for ${attempt.reference}: ${refusal(answer, returnCode)}`);
  }
  const result = apiResult(returnCode);
  const zpTransId = readTransactionId(answer.zp_trans_id);
  const amount = readInteger(answer.amount);
  return {
    result,
    amount: amount !== undefined && amount > 0 ? amount : undefined,
    providerTransactionId: zpTransId,
    providerCode: result === 'SUCCEEDED' ? undefined : String(subCode ?? returnCode),
    eventKey: transactionEventKey(attempt.reference, zpTransId, result),
    raw,
  };
}

/**
 * ZaloPay refunds by zp_trans_id. The hub has it from the callback; when the payment was
 * settled by a redirect alone, /v2/query supplies it first.
 */
export async function refundPayment(context: ConnectorContext, settings: ZalopaySettings, order: RefundOrder): Promise<RefundReport> {
  requireVnd(order.amount);
  const refundId = mRefundId(settings.appId, order.reference);
  const zpTransId = order.attempt.providerTransactionId ?? (await paidTransactionId(context, settings, order.attempt));
  const timestamp = context.now.getTime();
  const mac = hmacHex(settings.key1, refundMacInput({ appId: settings.appId, zpTransId, amount: order.amount, description: order.reason, timestamp }));
  const { answer, returnCode, raw } = await postForm(context, `${settings.baseUrl}/v2/refund`, {
    app_id: String(settings.appId),
    m_refund_id: refundId,
    zp_trans_id: zpTransId,
    amount: String(order.amount),
    timestamp: String(timestamp),
    description: order.reason,
    mac,
  });
  const result = apiResult(returnCode);
  const refundNumber = readTransactionId(answer.refund_id);
  return {
    result,
    providerRefundId: refundNumber,
    providerCode: result === 'SUCCEEDED' ? undefined : String(readInteger(answer.sub_return_code) ?? returnCode),
    raw,
  };
}

/**
 * ZaloPay wants m_refund_id as `yymmdd_appid_xxx`, dated the day of the request. The refund's
 * reference is made by `reference` (`yymmdd_token`) just before the call, so the app id goes
 * after its date.
 */
export function mRefundId(appId: number, reference: string): string {
  const match = REFERENCE_PATTERN.exec(reference);
  if (!match) throw new Error(`zalopay: refund reference ${reference} was not made by this connector`);
  return `${match[1]}_${appId}_${match[2]}`;
}

async function paidTransactionId(context: ConnectorContext, settings: ZalopaySettings, attempt: AttemptRef): Promise<string> {
  const status = await queryOrder(context, settings, attempt);
  if (status.result !== 'SUCCEEDED' || status.providerTransactionId === undefined) {
    throw new Error(`zalopay: ${attempt.reference} is not paid at ZaloPay (${status.result}); there is nothing to refund`);
  }
  return status.providerTransactionId;
}

async function postForm(context: ConnectorContext, url: string, fields: Record<string, string>) {
  const response = await context.http.request({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const path = new URL(url).pathname;
  if (response.status !== 200) throw new ProviderUnavailableError(`ZaloPay ${path} answered HTTP ${response.status}`);
  const answer = parseJsonObject(response.body);
  const returnCode = answer ? readInteger(answer.return_code) : undefined;
  if (!answer || returnCode === undefined) throw new ProviderUnavailableError(`ZaloPay ${path} answered without a return_code`);
  return { answer, returnCode, raw: response.body };
}

/** ZaloPay keeps an order open from 5 minutes to 30 days; the hub's window is fitted into that range. */
function expirySeconds(order: CheckoutOrder): number {
  const seconds = Math.round((order.expiresAt.getTime() - order.createdAt.getTime()) / 1000);
  return Math.min(MAX_EXPIRY_SECONDS, Math.max(MIN_EXPIRY_SECONDS, seconds));
}

function refusal(answer: Record<string, unknown>, returnCode: number): string {
  const subCode = readInteger(answer.sub_return_code);
  const message = typeof answer.sub_return_message === 'string' ? answer.sub_return_message : typeof answer.return_message === 'string' ? answer.return_message : '';
  return `return_code ${returnCode}${subCode === undefined ? '' : `, sub_return_code ${subCode}`}${message ? `: ${message}` : ''}`;
}

function requireVnd(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error(`zalopay: amount must be a positive integer of VND, not ${amount}`);
}

function readInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** zp_trans_id and refund_id are JSON numbers (15 digits, within double precision); 0 means "none yet". */
function readTransactionId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) return value;
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
