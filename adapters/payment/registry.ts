import type { PaymentConnector } from './connector';
import { momoConnector } from './momo/momo-connector';
import { payooConnector } from './payoo/payoo-connector';
import { sandboxConnector } from './sandbox/sandbox-connector';
import { vietqrConnector } from './vietqr/vietqr-connector';
import { vnpayConnector } from './vnpay/vnpay-connector';
import { zalopayConnector } from './zalopay/zalopay-connector';

/** Every payment connector, by the party's `provider` value: one line each. */
export const paymentConnectors: Readonly<Record<string, PaymentConnector>> = {
  vnpay: vnpayConnector,
  momo: momoConnector,
  zalopay: zalopayConnector,
  payoo: payooConnector,
  vietqr: vietqrConnector,
  sandbox: sandboxConnector,
};
