import type { PaymentConnector } from '../connector';
import { createOrder, queryOrder, refundPayment } from './zalopay-api';
import { answerCallback, parseCallback, parseReturn } from './zalopay-notices';
import { readSettings, zalopaySettingsSchema } from './zalopay-settings';
import { vietnamDate } from './zalopay-signing';

/**
 * ZaloPay v2 (docs.zalopay.vn, zalopay-oss/zalopay-nodejs): the hub creates the order by API
 * and sends the citizen to its order_url; ZaloPay calls back only when it has the money, so a
 * failure is learned by querying /v2/query.
 */
const TOKEN_PATTERN = /^[0-9A-Za-z]{1,33}$/;

export const zalopayConnector: PaymentConnector = {
  kind: 'zalopay',
  settingsSchema: zalopaySettingsSchema,
  callbackAuthentication: 'HMAC-SHA256 (key2), lower-case hex, over the exact `data` string of the JSON body',

  /** app_trans_id: `yymmdd_` in Vietnam time, then the token (at most 40 characters in all). */
  reference(token, now) {
    if (!TOKEN_PATTERN.test(token)) throw new Error('zalopay: a reference token is 1 to 33 letters or digits');
    return `${vietnamDate(now)}_${token}`;
  },

  merchantCode: (settings) => String(readSettings(settings).appId),

  createCheckout: (context, order) => createOrder(context, readSettings(context.settings), order),
  parseCallback: (context, request) => parseCallback(readSettings(context.settings), request),
  parseReturn: (context, request) => parseReturn(readSettings(context.settings), request),
  answerCallback,
  queryStatus: (context, attempt) => queryOrder(context, readSettings(context.settings), attempt),
  refund: (context, order) => refundPayment(context, readSettings(context.settings), order),
};
