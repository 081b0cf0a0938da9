import { randomUUID } from 'node:crypto';
import {
  type AttemptRef,
  type CallbackOutcome,
  type Checkout,
  type CheckoutOrder,
  type ConnectorContext,
  type PaymentConnector,
  type ProviderAnswer,
  ProviderUnavailableError,
  type RefundOrder,
  type RefundReport,
  type StatusReport,
} from '../connector';
import { callMomo, momoId, momoMessage, oneLine } from './momo-api';
import { parseBrowserReturn, parseIpn } from './momo-notice';
import { paymentResult, queryNotServed, refundResult, SUCCESS } from './momo-result-codes';
import { momoSettings, momoSettingsSchema } from './momo-settings';
import { CREATE_SIGNED_FIELDS, momoSignature, QUERY_SIGNED_FIELDS, REFUND_SIGNED_FIELDS } from './momo-signature';

/**
 * MoMo AIO v2 (developers.momo.vn): the hub creates the order server to server and sends the
 * citizen to MoMo's payUrl (or shows its QR); MoMo posts the result as a signed JSON IPN and
 * sends the browser back with the same fields, signed the same way. Money is integer VND on
 * both sides.
 */
const REQUEST_TYPE = 'captureWallet';
/** MoMo's orderId rule, also the rule for a refund's own orderId. */
const ORDER_ID = /^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$/;
const MAX_TEXT = 200;

/**
 * The answers to MoMo's IPN. MoMo wants 204 within 15 s and counts anything else as a failed
 * delivery; whether and how often it then sends again is not public (the brief says it
 * retries, integrators report a single attempt), so the hub never depends on it: a notice it
 * could not use leads it to query MoMo. 204 means "the hub has this fact" and is given only
 * then. Refusals get a 4xx, so MoMo's delivery log shows them as undelivered, and a resend of
 * the same bytes would be refused the same way. RETRY_LATER gets a 503: the one refusal that a
 * resend can fix.
 */
const CALLBACK_ANSWERS: Readonly<Record<CallbackOutcome, ProviderAnswer>> = {
  ACCEPTED: { status: 204, body: '' },
  ALREADY_CONFIRMED: { status: 204, body: '' },
  UNKNOWN_ORDER: { status: 404, contentType: 'text/plain; charset=utf-8', body: 'unknown orderId' },
  AMOUNT_MISMATCH: { status: 409, contentType: 'text/plain; charset=utf-8', body: 'amount does not match the order' },
  MERCHANT_MISMATCH: { status: 409, contentType: 'text/plain; charset=utf-8', body: 'partnerCode does not match' },
  INVALID_SIGNATURE: { status: 403, contentType: 'text/plain; charset=utf-8', body: 'invalid signature' },
  MALFORMED: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'malformed notification' },
  RETRY_LATER: { status: 503, contentType: 'text/plain; charset=utf-8', body: 'try again later' },
};

export const momoConnector: PaymentConnector = {
  kind: 'momo',
  settingsSchema: momoSettingsSchema,
  callbackAuthentication: 'HMAC-SHA256 (secretKey), hex, over accessKey and the notice fields in a-z order (amount, extraData, message, orderId, orderInfo, orderType, partnerCode, payType, requestId, responseTime, resultCode, transId), raw values',

  reference(token: string): string {
    const reference = `LT${token}`;
    if (reference.length > 50 || !ORDER_ID.test(reference)) throw new RangeError('momo reference: the token makes no valid MoMo orderId');
    return reference;
  },

  merchantCode(settings) {
    return momoSettings(settings).partnerCode;
  },

  async createCheckout(context: ConnectorContext, order: CheckoutOrder): Promise<Checkout> {
    const settings = momoSettings(context.settings);
    requireVnd(order.amount);
    const fields = {
      partnerCode: settings.partnerCode,
      // MoMo's idempotency key: the same attempt created twice (a retry after a lost answer) is the same request.
      requestId: order.reference,
      amount: order.amount,
      orderId: order.reference,
      orderInfo: oneLine(order.description, MAX_TEXT) || order.reference,
      redirectUrl: context.returnUrl,
      ipnUrl: context.callbackUrl,
      requestType: REQUEST_TYPE,
      extraData: '',
      lang: order.locale,
    };
    const signature = momoSignature(settings.secretKey, CREATE_SIGNED_FIELDS, { ...fields, accessKey: settings.accessKey });
    const answer = await callMomo(context, settings, 'create', { ...fields, signature });

    if (answer.resultCode !== SUCCESS) {
      // A refusal (duplicate orderId, amount out of range, bad signature...) is reported as the provider being unusable, with MoMo's own words.
      throw new ProviderUnavailableError(`MoMo refused order ${order.reference}: resultCode ${answer.resultCode}, ${momoMessage(answer.fields)}`);
    }
    const { payUrl, qrCodeUrl } = answer.fields;
    if (typeof payUrl !== 'string' || !isWebUrl(payUrl)) throw new ProviderUnavailableError(`MoMo accepted order ${order.reference} without a usable payUrl`);
    return typeof qrCodeUrl === 'string' && qrCodeUrl !== '' ? { redirectUrl: payUrl, qr: { payload: qrCodeUrl } } : { redirectUrl: payUrl };
  },

  parseCallback(context, request) {
    return parseIpn(momoSettings(context.settings), request);
  },

  parseReturn(context, request) {
    return parseBrowserReturn(momoSettings(context.settings), request);
  },

  answerCallback(outcome: CallbackOutcome): ProviderAnswer {
    return { ...CALLBACK_ANSWERS[outcome] };
  },

  async queryStatus(context: ConnectorContext, attempt: AttemptRef): Promise<StatusReport> {
    const settings = momoSettings(context.settings);
    const fields = {
      partnerCode: settings.partnerCode,
      // Every query is a new question: a reused requestId would get MoMo's first answer again.
      requestId: randomUUID(),
      orderId: attempt.reference,
      lang: 'vi',
    };
    const signature = momoSignature(settings.secretKey, QUERY_SIGNED_FIELDS, { ...fields, accessKey: settings.accessKey });
    const answer = await callMomo(context, settings, 'query', { ...fields, signature });
    if (queryNotServed(answer.resultCode)) throw new ProviderUnavailableError(`MoMo did not answer the query for ${attempt.reference}: resultCode ${answer.resultCode}, ${momoMessage(answer.fields)}`);

    const { amount } = answer.fields;
    const transId = momoId(answer.fields.transId);
    return {
      result: paymentResult(answer.resultCode),
      amount: typeof amount === 'number' && Number.isSafeInteger(amount) && amount >= 0 ? amount : undefined,
      providerTransactionId: transId,
      providerCode: String(answer.resultCode),
      // Shaped like the IPN's, so a query that reports what an IPN already said is the same ledger entry.
      eventKey: `${attempt.reference}:${transId ?? '0'}:${answer.resultCode}`,
      raw: answer.raw,
    };
  },

  async refund(context: ConnectorContext, order: RefundOrder): Promise<RefundReport> {
    const settings = momoSettings(context.settings);
    requireVnd(order.amount);
    if (order.reference.length > 50 || !ORDER_ID.test(order.reference)) throw new RangeError('momo refund: the reference is no valid MoMo orderId');

    // MoMo refunds by its transaction id; an attempt settled without one (by a lost IPN and a pending query) learns it now.
    let transId = order.attempt.providerTransactionId;
    if (transId === undefined) {
      const status = await momoConnector.queryStatus(context, order.attempt);
      if (status.result !== 'SUCCEEDED' || status.providerTransactionId === undefined) {
        return { result: 'FAILED', providerRefundId: undefined, providerCode: status.providerCode, raw: status.raw };
      }
      transId = status.providerTransactionId;
    }
    if (momoId(transId) === undefined) throw new RangeError('momo refund: the attempt carries no MoMo transId');

    const fields = {
      partnerCode: settings.partnerCode,
      // A refund is its own MoMo order: a new orderId, and a requestId that makes a retried refund the same request.
      orderId: order.reference,
      requestId: order.reference,
      amount: order.amount,
      transId: Number(transId),
      lang: 'vi',
      description: oneLine(order.reason, MAX_TEXT),
    };
    const signature = momoSignature(settings.secretKey, REFUND_SIGNED_FIELDS, { ...fields, accessKey: settings.accessKey });
    const answer = await callMomo(context, settings, 'refund', { ...fields, signature });
    return {
      result: refundResult(answer.resultCode),
      providerRefundId: answer.resultCode === SUCCESS ? momoId(answer.fields.transId) : undefined,
      providerCode: String(answer.resultCode),
      raw: answer.raw,
    };
  },
};

/** MoMo takes whole VND (no ×100, unlike VNPay); anything else is a bug upstream. */
function requireVnd(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('momo: the amount must be a positive integer number of VND');
}

function isWebUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
