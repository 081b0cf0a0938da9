import type { Notice, ProviderResult, RawHttpRequest, UnverifiedNotice } from '../connector';
import { checksumsEqual, notifySignature, returnChecksum } from './payoo-signing';
import { elementText, parseXml } from './payoo-xml';

/**
 * What Payoo sends the hub (dilab/omnipay-payoo, CompletePurchaseRequest):
 *
 * - The server notify: a form POST whose `NotifyData` field is the XML
 *   `<PayooConnectionPackage><Data>base64(XML)</Data><Signature/><PayooSessionID/><KeyFields/>`.
 *   Signature = SHA-512 of `checksumKey|v1|v2|...`, the values being the Data fields named
 *   by KeyFields, in that order. Data comes in two layouts: with a BillingCode, flat
 *   `<PaymentNotification><OrderNo/><ShopId/>...`; without, the order XML the shop sent
 *   (`<shops><shop><order_no/>...`) plus State and PaymentMethod.
 * - The browser return: a GET with `session`, `order_no`, `status`, and
 *   `checksum` = SHA-512(checksumKey + session.order_no.status).
 */

/** Where each KeyFields name is read, and its value when absent, in the two Data layouts. */
const NOTIFY_FIELDS: Readonly<Record<string, { billing: string; legacy: string; absent: string }>> = {
  PaymentMethod: { billing: 'PaymentMethod', legacy: 'PaymentMethod', absent: '' },
  State: { billing: 'State', legacy: 'State', absent: '' },
  Session: { billing: 'Session', legacy: 'session', absent: '' },
  BusinessUsername: { billing: 'BusinessUsername', legacy: 'username', absent: '' },
  ShopID: { billing: 'ShopId', legacy: 'shop_id', absent: '0' },
  ShopTitle: { billing: 'ShopTitle', legacy: 'shop_title', absent: '' },
  ShopDomain: { billing: 'ShopDomain', legacy: 'shop_domain', absent: '' },
  ShopBackUrl: { billing: 'ShopBackUrl', legacy: 'shop_back_url', absent: '' },
  OrderNo: { billing: 'OrderNo', legacy: 'order_no', absent: '' },
  OrderCashAmount: { billing: 'OrderCashAmount', legacy: 'order_cash_amount', absent: '0' },
  StartShippingDate: { billing: 'StartShippingDate', legacy: 'order_ship_date', absent: '' },
  ShippingDays: { billing: 'ShippingDays', legacy: 'order_ship_days', absent: '0' },
  OrderDescription: { billing: 'OrderDescription', legacy: 'order_description', absent: '' },
  NotifyUrl: { billing: 'NotifyUrl', legacy: 'notify_url', absent: '' },
  BillingCode: { billing: 'BillingCode', legacy: 'BillingCode', absent: '' },
  PaymentExpireDate: { billing: 'PaymentExpireDate', legacy: 'validity_time', absent: '' },
};

/** The signature must cover every field the hub acts on, or a genuine notice could be edited. */
const FIELDS_THE_HUB_RELIES_ON = ['State', 'ShopID', 'OrderNo', 'OrderCashAmount'];

const PAID_STATE = 'PAYMENT_RECEIVED';

/**
 * The notify `State`: PAYMENT_RECEIVED is paid; the states a party lists as failures
 * (a gap, see payoo-settings.ts) are failed; PAYMENT_PROCESSING and anything else are pending.
 */
export function notifyStateResult(state: string, failedStates: readonly string[]): ProviderResult {
  if (state === PAID_STATE) return 'SUCCEEDED';
  return failedStates.includes(state) ? 'FAILED' : 'PENDING';
}

/** The browser return `status` (omnipay-payoo): 1 paid, 0 failed, -1 cancelled by the citizen. */
export function returnStatusResult(status: string): ProviderResult {
  if (status === '1') return 'SUCCEEDED';
  return status === '0' || status === '-1' ? 'FAILED' : 'PENDING';
}

const unverified = (problem: UnverifiedNotice['problem'], reference: string | undefined): UnverifiedNotice => ({
  verified: false,
  problem,
  reference: reference || undefined,
});

export function parseNotify(request: RawHttpRequest, checksumKey: string, failedStates: readonly string[]): Notice {
  if (request.method !== 'POST') return unverified('MALFORMED', undefined);
  const notifyData = new URLSearchParams(request.body).get('NotifyData');
  const envelope = notifyData ? parseXml(notifyData) : undefined;
  if (!envelope || envelope.rootName !== 'PayooConnectionPackage') return unverified('MALFORMED', undefined);
  const data = elementText(envelope.root, 'Data');
  const signature = elementText(envelope.root, 'Signature');
  const keyFields = elementText(envelope.root, 'KeyFields');
  if (!data || !signature || !keyFields) return unverified('MALFORMED', undefined);
  const dataXml = decodeBase64(data);
  const notification = dataXml === undefined ? undefined : parseXml(dataXml);
  if (!notification || notification.rootName !== 'PaymentNotification') return unverified('MALFORMED', undefined);

  const layout = elementText(notification.root, 'BillingCode') ? 'billing' : 'legacy';
  const read = (field: string): string | undefined => {
    const place = NOTIFY_FIELDS[field];
    const text = elementText(notification.root, place ? place[layout] : field);
    if (text === undefined) return undefined;
    if (text === '') return place?.absent ?? '';
    return field === 'OrderDescription' ? phpUrlDecode(text) : text;
  };
  const reference = read('OrderNo');

  const names = keyFields.split('|');
  if (!FIELDS_THE_HUB_RELIES_ON.every((name) => names.includes(name))) return unverified('INVALID_SIGNATURE', reference);
  const values = names.map(read);
  if (values.some((value) => value === undefined)) return unverified('MALFORMED', reference);
  if (!checksumKey || !checksumsEqual(notifySignature(checksumKey, values as string[]), signature)) return unverified('INVALID_SIGNATURE', reference);

  const state = read('State');
  const shopId = read('ShopID');
  const amount = read('OrderCashAmount');
  const billingCode = read('BillingCode');
  if (!reference || !state || !shopId || !amount || !/^[0-9]{1,15}$/.test(amount)) return unverified('MALFORMED', reference);
  const result = notifyStateResult(state, failedStates);
  return {
    verified: true,
    reference,
    amount: Number(amount),
    merchantCode: shopId,
    result,
    // Payoo's notify carries no transaction id; the BillingCode (signed) is its id for the bill.
    providerTransactionId: billingCode || undefined,
    providerCode: result === 'SUCCEEDED' ? undefined : state,
    eventKey: `notify:${reference}:${state}`,
  };
}

export function parseBrowserReturn(request: RawHttpRequest, checksumKey: string): Notice {
  const query = queryOf(request.url);
  const session = query?.get('session');
  const orderNo = query?.get('order_no');
  const status = query?.get('status');
  const checksum = query?.get('checksum');
  if (request.method !== 'GET' || !session || !orderNo || !status || !checksum) return unverified('MALFORMED', orderNo ?? undefined);
  if (!checksumKey || !checksumsEqual(returnChecksum(checksumKey, session, orderNo, status), checksum)) return unverified('INVALID_SIGNATURE', orderNo);
  // The session the hub sent: `{order_no}-{amount}` (payoo-checkout.ts).
  const amount = session.startsWith(`${orderNo}-`) ? session.slice(orderNo.length + 1) : '';
  if (!/^[0-9]{1,15}$/.test(amount)) return unverified('MALFORMED', orderNo);
  const result = returnStatusResult(status);
  return {
    verified: true,
    reference: orderNo,
    amount: Number(amount),
    // The return names no shop; its checksum, made with this shop's key, is what ties it to the shop.
    merchantCode: undefined,
    result,
    providerTransactionId: undefined,
    providerCode: result === 'SUCCEEDED' ? undefined : status,
    eventKey: `return:${orderNo}:${status}`,
  };
}

function queryOf(url: string): URLSearchParams | undefined {
  const start = url.indexOf('?');
  return start < 0 ? undefined : new URLSearchParams(url.slice(start + 1));
}

function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** PHP's urldecode, which omnipay-payoo applies to the description before signing; a broken escape leaves the text as it came. */
function phpUrlDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
