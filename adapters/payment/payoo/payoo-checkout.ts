import { type Checkout, type CheckoutOrder, type ConnectorContext, type ProviderHttpResponse, ProviderUnavailableError } from '../connector';
import type { PayooSettings } from './payoo-settings';
import { parseJsonObject } from './payoo-json';
import { checksumsEqual, payloadChecksum } from './payoo-signing';
import { escapeXml } from './payoo-xml';
import { shipDate, validityTime } from './payoo-time';

/**
 * Starting a payment: the order XML of omnipay-payoo (`<shops><shop>...`), signed with
 * SHA-512(checksumKey + XML), posted to PayNow's order API rather than through the
 * citizen's browser (omnipay's transparent POST), because the hub hands the agency a URL
 * to redirect to. With `<JsonResponse>true</JsonResponse>` Payoo answers
 * `{result, order: {order_no, payment_url, ...}, checksum}`, the checksum being
 * SHA-512(checksumKey + order as JSON) (Payoo's integration samples).
 */
export const CREATE_ORDER_PATH = '/v2/paynow/order/create';

/** omnipay-payoo refuses descriptions of 50 bytes or fewer, as Payoo does. */
const MIN_DESCRIPTION_BYTES = 51;

/**
 * `session` is echoed in the browser return and covered by its checksum, which covers
 * nothing else of use: carrying the amount there lets the signed return state what was paid.
 */
export function orderSession(reference: string, amount: number): string {
  return `${reference}-${amount}`;
}

export function buildOrderXml(settings: PayooSettings, context: ConnectorContext, order: CheckoutOrder): string {
  if (!Number.isSafeInteger(order.amount) || order.amount <= 0) throw new RangeError(`payoo: amount must be a positive integer VND, got ${order.amount}`);
  const fields: [string, string][] = [
    ['session', orderSession(order.reference, order.amount)],
    ['username', settings.businessUsername],
    ['shop_id', settings.shopId],
    ['shop_title', settings.shopTitle ?? settings.businessUsername],
    ['shop_domain', shopDomain(settings, context)],
    ['shop_back_url', context.returnUrl],
    ['order_no', order.reference],
    ['order_cash_amount', String(order.amount)],
    ['order_ship_date', shipDate(order.createdAt)],
    // Nothing is shipped: the service is delivered by the agency.
    ['order_ship_days', '0'],
    ['order_description', phpUrlEncode(orderDescription(order))],
    ['validity_time', validityTime(order.expiresAt)],
    ['notify_url', context.callbackUrl],
    ['JsonResponse', 'true'],
  ];
  return `<shops><shop>${fields.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join('')}</shop></shops>`;
}

export function createOrderRequest(settings: PayooSettings, context: ConnectorContext, order: CheckoutOrder) {
  const data = buildOrderXml(settings, context, order);
  const form = new URLSearchParams({
    data,
    checksum: payloadChecksum(settings.checksumKey, data),
    refer: shopDomain(settings, context),
    payment_group: '',
    bank: order.bankCode ?? '',
  });
  return {
    method: 'POST' as const,
    url: `${settings.baseUrl}${CREATE_ORDER_PATH}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  };
}

/** Payoo's answer to the order: the payment page, or ProviderUnavailableError when it refused or sent something unusable. */
export function readCreateOrderAnswer(settings: PayooSettings, order: CheckoutOrder, response: ProviderHttpResponse): Checkout {
  if (response.status !== 200) throw new ProviderUnavailableError(`Payoo order API answered HTTP ${response.status}`);
  const answer = parseJsonObject(response.body);
  if (!answer) throw new ProviderUnavailableError('Payoo order API answered something other than a JSON object');
  if (typeof answer.result !== 'string' || answer.result.toLowerCase() !== 'success') {
    throw new ProviderUnavailableError(`Payoo refused the order: ${describeRefusal(answer)}`);
  }
  const created = answer.order;
  if (typeof created !== 'object' || created === null || Array.isArray(created) || typeof answer.checksum !== 'string') {
    throw new ProviderUnavailableError('Payoo order API answered without an order or a checksum');
  }
  if (!checksumsEqual(payloadChecksum(settings.checksumKey, JSON.stringify(created)), answer.checksum)) {
    throw new ProviderUnavailableError('Payoo order API answer has a bad checksum');
  }
  const { order_no: orderNo, payment_url: paymentUrl } = created as Record<string, unknown>;
  if (orderNo !== order.reference) throw new ProviderUnavailableError('Payoo order API answered for another order');
  if (typeof paymentUrl !== 'string' || !/^https?:\/\//.test(paymentUrl) || !URL.canParse(paymentUrl)) {
    throw new ProviderUnavailableError('Payoo order API answered without a usable payment_url');
  }
  return { redirectUrl: paymentUrl };
}

function shopDomain(settings: PayooSettings, context: ConnectorContext): string {
  return settings.shopDomain ?? new URL(context.returnUrl).origin;
}

function orderDescription(order: CheckoutOrder): string {
  const description = order.description.trim();
  if (Buffer.byteLength(description, 'utf8') >= MIN_DESCRIPTION_BYTES) return description;
  return `${description} (${order.reference})`.padEnd(MIN_DESCRIPTION_BYTES, '.');
}

/** PHP's urlencode, which Payoo's samples use for `order_description` and Payoo decodes: form encoding, space as `+`. */
export function phpUrlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}


function describeRefusal(answer: Record<string, unknown>): string {
  const parts = [answer.errorcode, answer.message].filter((part) => typeof part === 'string' || typeof part === 'number');
  return parts.length > 0 ? parts.join(' ').slice(0, 200) : 'no reason given';
}
