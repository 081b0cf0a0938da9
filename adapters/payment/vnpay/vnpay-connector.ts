import type { CallbackOutcome, Checkout, CheckoutOrder, ConnectorContext, Notice, PaymentConnector, ProviderAnswer, RawHttpRequest } from '../connector';
import { ipnAnswer } from './vnpay-codes';
import { toVnpayAmount, vnpayText, vnpayTimestamp } from './vnpay-format';
import { VERSION, queryVnpayStatus, refundVnpay } from './vnpay-merchant-api';
import { readVnpayNotice } from './vnpay-notice';
import { vnpaySettings, vnpaySettingsSchema } from './vnpay-settings';
import { SECURE_HASH, formEncode, hmacSha512Hex, signedQueryString } from './vnpay-signing';

/**
 * VNPay 2.1.0 (payments.md). The checkout is a signed redirect built here, without calling
 * VNPay; the result arrives twice with the same signed query, as the IPN (a GET to the IPN URL
 * registered at VNPay's merchant portal, not sent per order) and as the browser return. Status
 * and refunds go through the merchant API (vnpay-merchant-api.ts).
 */
const PAYMENT_PAGE = '/paymentv2/vpcpay.html';
/** Alphanumeric reference as VNPay's vnp_TxnRef wants, short enough to double as a refund's vnp_RequestId (≤ 32). */
const TOKEN = /^[0-9A-Za-z]{1,32}$/;
const BANK_CODE = /^[0-9A-Za-z]{3,20}$/;
const IP_ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;
const ORDER_INFO_MAX = 255;

function checkoutQuery(context: ConnectorContext, order: CheckoutOrder): Map<string, string> {
  const { tmnCode } = vnpaySettings(context.settings);
  if (!TOKEN.test(order.reference)) throw new RangeError('vnpay: the reference must be 1 to 32 letters or digits');
  if (!IP_ADDRESS.test(order.clientIp)) throw new RangeError('vnpay: clientIp is not an IP address');
  if (order.bankCode !== undefined && !BANK_CODE.test(order.bankCode)) throw new RangeError('vnpay: bankCode must be 3 to 20 letters or digits');
  if (order.expiresAt.getTime() <= order.createdAt.getTime()) throw new RangeError('vnpay: the order expires before it is created');
  const fields = new Map<string, string>([
    ['vnp_Version', VERSION],
    ['vnp_Command', 'pay'],
    ['vnp_TmnCode', tmnCode],
    ['vnp_Amount', toVnpayAmount(order.amount)],
    ['vnp_CurrCode', 'VND'],
    ['vnp_TxnRef', order.reference],
    ['vnp_OrderInfo', vnpayText(order.description, ORDER_INFO_MAX) || `Thanh toan ${order.reference}`],
    ['vnp_OrderType', 'other'],
    ['vnp_Locale', order.locale === 'en' ? 'en' : 'vn'],
    ['vnp_ReturnUrl', context.returnUrl],
    ['vnp_IpAddr', order.clientIp],
    // querydr and refund name the payment by this date again (vnp_TransactionDate): it is the attempt's createdAt.
    ['vnp_CreateDate', vnpayTimestamp(order.createdAt)],
    ['vnp_ExpireDate', vnpayTimestamp(order.expiresAt)],
  ]);
  if (order.bankCode !== undefined) fields.set('vnp_BankCode', order.bankCode);
  return fields;
}

export const vnpayConnector: PaymentConnector = {
  kind: 'vnpay',
  settingsSchema: vnpaySettingsSchema,
  callbackAuthentication: 'vnp_SecureHash: HMAC-SHA512 (hex) with the hashSecret over the vnp_* query fields, sorted by name, form-encoded k=v joined with &',

  reference: (token) => {
    if (!TOKEN.test(token)) throw new RangeError('vnpay: a reference token is 1 to 32 letters or digits');
    return token;
  },
  merchantCode: (settings) => vnpaySettings(settings).tmnCode,

  async createCheckout(context: ConnectorContext, order: CheckoutOrder): Promise<Checkout> {
    const { baseUrl, hashSecret } = vnpaySettings(context.settings);
    const fields = checkoutQuery(context, order);
    const signed = signedQueryString(fields);
    // The URL carries exactly the string that was signed, so VNPay reads back what the hash covers.
    return { redirectUrl: `${baseUrl}${PAYMENT_PAGE}?${signed}&${SECURE_HASH}=${formEncode(hmacSha512Hex(hashSecret, signed))}` };
  },

  parseCallback(context: ConnectorContext, request: RawHttpRequest): Notice {
    return readVnpayNotice(vnpaySettings(context.settings).hashSecret, request);
  },

  parseReturn(context: ConnectorContext, request: RawHttpRequest): Notice {
    return readVnpayNotice(vnpaySettings(context.settings).hashSecret, request);
  },

  answerCallback(outcome: CallbackOutcome): ProviderAnswer {
    return ipnAnswer(outcome);
  },

  queryStatus: queryVnpayStatus,
  refund: refundVnpay,
};
