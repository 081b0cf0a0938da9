import { type CallbackOutcome, type PaymentConnector, type ProviderAnswer, ProviderUnavailableError } from '../connector';
import { createOrderRequest, readCreateOrderAnswer } from './payoo-checkout';
import { parseBrowserReturn, parseNotify } from './payoo-notice';
import { orderInfoRequest, readOrderInfoAnswer } from './payoo-order-info';
import { noticeSettings, payooSettingsSchema, readPayooSettings } from './payoo-settings';
import { referenceDay } from './payoo-time';

/**
 * Payoo (PayNow checkout, as dilab/omnipay-payoo speaks it): the order is created through
 * PayNow's order API and the citizen is sent to the payment_url it returns; Payoo posts a
 * signed XML notify when the order is paid and redirects the browser back with a signed
 * status. Status queries go to the Business API (GetOrderInfo) when the party configures it.
 * Payoo publishes no refund API that could be confirmed, so refunds are settled by hand.
 */

/**
 * Payoo sends the notify again until it reads `NOTIFY_RECEIVED`. That word therefore means
 * "recorded, stop": the answer for a new fact and for a replay. RETRY_LATER must not say
 * it, so that Payoo sends the notice again once the hub can record it. The refusals do not
 * say it either: a forged notice's sender gains nothing from a retry, and a genuine notice
 * the hub cannot match (unknown order, wrong amount or shop) is not settled in the hub's
 * books, so Payoo keeps it in its undelivered notifications where support can see it.
 */
const RECEIVED = 'NOTIFY_RECEIVED';

const answers: Readonly<Record<CallbackOutcome, ProviderAnswer>> = {
  ACCEPTED: { status: 200, contentType: 'text/plain; charset=utf-8', body: RECEIVED },
  ALREADY_CONFIRMED: { status: 200, contentType: 'text/plain; charset=utf-8', body: RECEIVED },
  UNKNOWN_ORDER: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'UNKNOWN_ORDER' },
  AMOUNT_MISMATCH: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'AMOUNT_MISMATCH' },
  MERCHANT_MISMATCH: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'MERCHANT_MISMATCH' },
  INVALID_SIGNATURE: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'INVALID_SIGNATURE' },
  MALFORMED: { status: 400, contentType: 'text/plain; charset=utf-8', body: 'MALFORMED' },
  RETRY_LATER: { status: 503, contentType: 'text/plain; charset=utf-8', body: 'RETRY_LATER' },
};

export const payooConnector: PaymentConnector = {
  kind: 'payoo',
  settingsSchema: payooSettingsSchema,
  callbackAuthentication: 'SHA-512 (upper-case hex) over checksumKey|values of the KeyFields named in the notify, in that order',

  // yyMMdd (GMT+7) + token: 18 characters of [0-9A-Z], which Payoo takes as order_no and which never contains the `-` of the session (payoo-checkout.ts).
  reference: (token, now) => `${referenceDay(now)}${token}`,

  merchantCode: (settings) => (typeof settings.shopId === 'string' ? settings.shopId : undefined),

  async createCheckout(context, order) {
    const settings = readPayooSettings(context.settings);
    const response = await context.http.request(createOrderRequest(settings, context, order));
    return readCreateOrderAnswer(settings, order, response);
  },

  parseCallback(context, request) {
    const { checksumKey, failedNotifyStates } = noticeSettings(context.settings);
    return parseNotify(request, checksumKey, failedNotifyStates);
  },

  parseReturn(context, request) {
    return parseBrowserReturn(request, noticeSettings(context.settings).checksumKey);
  },

  answerCallback: (outcome) => ({ ...answers[outcome] }),

  async queryStatus(context, attempt) {
    const settings = readPayooSettings(context.settings);
    if (!settings.businessApi) throw new ProviderUnavailableError('Payoo status query needs the Business API settings (apiUrl, apiUsername, apiPassword, apiSignature)');
    const response = await context.http.request(orderInfoRequest(settings, settings.businessApi, attempt));
    return readOrderInfoAnswer(settings, attempt, response);
  },
};
