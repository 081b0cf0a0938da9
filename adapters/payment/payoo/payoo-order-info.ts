import { type AttemptRef, type ProviderHttpResponse, type ProviderResult, ProviderUnavailableError, type StatusReport } from '../connector';
import type { PayooBusinessApi, PayooSettings } from './payoo-settings';
import { parseJsonObject } from './payoo-json';
import { checksumsEqual, payloadChecksum } from './payoo-signing';
import { purchaseDate } from './payoo-time';

/**
 * Asking Payoo about an order: the Business API's GetOrderInfo. omnipay-payoo has no status
 * query; this follows Payoo's integration samples as other integrations use them (no
 * public specification was found, so treat the details as to be confirmed with Payoo):
 * POST `{apiUrl}/BusinessRestAPI.svc/GetOrderInfo`, JSON `{RequestData, Signature}` where
 * RequestData is the JSON string `{OrderId, ShopId, PurchaseDate: yyyyMMdd}` and Signature =
 * SHA-512(checksumKey + RequestData); the API credentials go in the `APIUsername`,
 * `APIPassword` and `APISignature` headers. The answer is `{ResponseData, Signature}`
 * signed the same way, ResponseData holding `{ResponseCode, OrderNo, OrderCash,
 * PaymentStatus, ShopId, BillingCode, ...}`; ResponseCode 0 means the order was found.
 */
export const ORDER_INFO_PATH = '/BusinessRestAPI.svc/GetOrderInfo';

const PAID_STATUS = '1';

/** GetOrderInfo's PaymentStatus: 1 is paid; the statuses a party lists as failures (a gap) are failed; anything else is pending. */
export function orderStatusResult(paymentStatus: string, failedStatuses: readonly string[]): ProviderResult {
  if (paymentStatus === PAID_STATUS) return 'SUCCEEDED';
  return failedStatuses.includes(paymentStatus) ? 'FAILED' : 'PENDING';
}

export function orderInfoRequest(settings: PayooSettings, api: PayooBusinessApi, attempt: AttemptRef) {
  const requestData = JSON.stringify({ OrderId: attempt.reference, ShopId: settings.shopId, PurchaseDate: purchaseDate(attempt.createdAt) });
  return {
    method: 'POST' as const,
    url: `${api.url}${ORDER_INFO_PATH}`,
    headers: { 'content-type': 'application/json', APIUsername: api.username, APIPassword: api.password, APISignature: api.signature },
    body: JSON.stringify({ RequestData: requestData, Signature: payloadChecksum(settings.checksumKey, requestData) }),
  };
}

export function readOrderInfoAnswer(settings: PayooSettings, attempt: AttemptRef, response: ProviderHttpResponse): StatusReport {
  if (response.status !== 200) throw new ProviderUnavailableError(`Payoo GetOrderInfo answered HTTP ${response.status}`);
  const envelope = parseJsonObject(response.body);
  const { ResponseData: responseData, Signature: signature } = envelope ?? {};
  if (typeof responseData !== 'string' || typeof signature !== 'string') throw new ProviderUnavailableError('Payoo GetOrderInfo answered without ResponseData and Signature');
  if (!checksumsEqual(payloadChecksum(settings.checksumKey, responseData), signature)) throw new ProviderUnavailableError('Payoo GetOrderInfo answer has a bad signature');
  const info = parseJsonObject(responseData);
  if (!info) throw new ProviderUnavailableError('Payoo GetOrderInfo ResponseData is not a JSON object');

  const responseCode = scalar(info.ResponseCode);
  if (responseCode !== '0') {
    // Not found, or not yet known to Payoo: nothing final can be concluded.
    return { result: 'PENDING', amount: undefined, providerTransactionId: undefined, providerCode: `ResponseCode ${responseCode ?? '?'}`, eventKey: `query:${attempt.reference}:response-${responseCode ?? '?'}`, raw: response.body };
  }
  if (scalar(info.OrderNo) !== attempt.reference) throw new ProviderUnavailableError('Payoo GetOrderInfo answered about another order');
  if (scalar(info.ShopId) !== settings.shopId) throw new ProviderUnavailableError('Payoo GetOrderInfo answered about another shop');
  const paymentStatus = scalar(info.PaymentStatus);
  if (paymentStatus === undefined) throw new ProviderUnavailableError('Payoo GetOrderInfo answered without a PaymentStatus');
  const cash = scalar(info.OrderCash);
  const billingCode = scalar(info.BillingCode);
  const result = orderStatusResult(paymentStatus, settings.failedOrderStatuses);
  return {
    result,
    amount: cash !== undefined && /^[0-9]{1,15}(\.0+)?$/.test(cash) ? Number(cash) : undefined,
    providerTransactionId: billingCode || undefined,
    providerCode: `PaymentStatus ${paymentStatus}`,
    eventKey: `query:${attempt.reference}:${paymentStatus}`,
    raw: response.body,
  };
}

/** A JSON string or number as text (Payoo's JSON writes codes either way). */
function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}
