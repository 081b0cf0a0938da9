import type { Notice, RawHttpRequest } from '../connector';
import { paymentResult } from './vnpay-codes';
import { fromVnpayAmount } from './vnpay-format';
import { SECURE_HASH, signatureMatches } from './vnpay-signing';

/**
 * A payment result from VNPay: the IPN (a GET to the IPN URL set at VNPay's merchant portal)
 * and the browser return to vnp_ReturnUrl carry the same signed vnp_* query, so one reader
 * serves both. It never throws: whatever it cannot read or verify comes back unverified.
 */
const REQUIRED = [SECURE_HASH, 'vnp_TxnRef', 'vnp_Amount', 'vnp_ResponseCode', 'vnp_TmnCode'] as const;
/** vnp_TxnRef is Alphanumeric[1,100]. */
const REFERENCE = /^[0-9A-Za-z]{1,100}$/;
const CODE = /^[0-9]{2}$/;
/** VNPay puts vnp_TransactionNo=0 on a result for which no transaction was made (a cancelled payment). */
const NO_TRANSACTION = '0';

/** The vnp_* fields of the query, or undefined when one appears twice (which value would the signature cover?). */
function vnpFields(url: string): Map<string, string> | undefined {
  const queryStart = url.indexOf('?');
  const fields = new Map<string, string>();
  if (queryStart < 0) return fields;
  for (const [key, value] of new URLSearchParams(url.slice(queryStart + 1))) {
    if (!key.startsWith('vnp_')) continue;
    if (fields.has(key)) return undefined;
    fields.set(key, value);
  }
  return fields;
}

export function readVnpayNotice(hashSecret: string, request: RawHttpRequest): Notice {
  const fields = vnpFields(request.url);
  const txnRef = fields?.get('vnp_TxnRef');
  const reference = txnRef !== undefined && REFERENCE.test(txnRef) ? txnRef : undefined;
  if (!fields || REQUIRED.some((name) => !fields.get(name))) return { verified: false, problem: 'MALFORMED', reference };
  if (!signatureMatches(hashSecret, fields)) return { verified: false, problem: 'INVALID_SIGNATURE', reference };

  const amount = fromVnpayAmount(fields.get('vnp_Amount'));
  const responseCode = fields.get('vnp_ResponseCode') ?? '';
  const transactionStatus = fields.get('vnp_TransactionStatus');
  const transactionNo = fields.get('vnp_TransactionNo');
  if (reference === undefined || amount === undefined || !CODE.test(responseCode) || (transactionStatus !== undefined && !CODE.test(transactionStatus))) {
    return { verified: false, problem: 'MALFORMED', reference };
  }
  return {
    verified: true,
    reference,
    amount,
    merchantCode: fields.get('vnp_TmnCode'),
    result: paymentResult(responseCode, transactionStatus),
    providerTransactionId: transactionNo && transactionNo !== NO_TRANSACTION ? transactionNo : undefined,
    providerCode: responseCode,
    eventKey: `${reference}:${transactionNo ?? ''}:${responseCode}:${transactionStatus ?? ''}`,
  };
}
