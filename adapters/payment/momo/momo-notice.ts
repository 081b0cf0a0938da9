import type { Notice, RawHttpRequest } from '../connector';
import { paymentResult } from './momo-result-codes';
import { momoSignature, NOTICE_SIGNED_FIELDS, signaturesMatch } from './momo-signature';
import type { MomoSettings } from './momo-settings';

/**
 * MoMo's result notices: the IPN (POST, JSON body) and the browser return (GET to redirectUrl,
 * the same fields as a query string). Both are signed the same way, so both are read into one
 * flat record of strings and verified by one function. Nothing here throws: whatever cannot be
 * read is MALFORMED, whatever does not verify is INVALID_SIGNATURE.
 */
const TEXT_FIELDS = ['partnerCode', 'orderId', 'requestId', 'orderInfo', 'orderType', 'message', 'payType', 'extraData'] as const;
const INTEGER_FIELDS = ['amount', 'transId', 'resultCode', 'responseTime'] as const;
type NoticeField = (typeof TEXT_FIELDS)[number] | (typeof INTEGER_FIELDS)[number];

/** Digits as MoMo writes them; JSON numbers beyond 2^53 lose digits, so they cannot be verified. */
const INTEGER_TEXT = /^-?[0-9]{1,15}$/;

export function parseIpn(settings: MomoSettings, request: RawHttpRequest): Notice {
  if (request.method !== 'POST') return malformed(undefined);
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return malformed(undefined);
  }
  return verifyNotice(settings, body);
}

export function parseBrowserReturn(settings: MomoSettings, request: RawHttpRequest): Notice {
  if (request.method !== 'GET') return malformed(undefined);
  const queryStart = request.url.indexOf('?');
  if (queryStart < 0) return malformed(undefined);
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(request.url.slice(queryStart + 1))) {
    // A repeated field leaves it open which value MoMo signed.
    if (Object.hasOwn(fields, name)) return malformed(undefined);
    fields[name] = value;
  }
  return verifyNotice(settings, fields);
}

function verifyNotice(settings: MomoSettings, source: unknown): Notice {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return malformed(undefined);
  const record = source as Record<string, unknown>;
  const reference = typeof record.orderId === 'string' && record.orderId !== '' ? record.orderId : undefined;
  const values = readFields(record);
  if (!values || !reference || Number(values.amount) < 0) return malformed(reference);
  if (typeof record.signature !== 'string') return malformed(reference);

  const expected = momoSignature(settings.secretKey, NOTICE_SIGNED_FIELDS, { ...values, accessKey: settings.accessKey });
  if (!signaturesMatch(expected, record.signature)) return { verified: false, problem: 'INVALID_SIGNATURE', reference };

  return {
    verified: true,
    reference,
    amount: Number(values.amount),
    merchantCode: values.partnerCode,
    result: paymentResult(Number(values.resultCode)),
    // MoMo writes 0 where it has not assigned a transaction.
    providerTransactionId: values.transId === '0' ? undefined : values.transId,
    providerCode: values.resultCode,
    eventKey: `${reference}:${values.transId}:${values.resultCode}`,
  };
}

/** The signed fields as the strings MoMo signed: numbers in JSON become their decimal text, query values stay as sent. */
function readFields(record: Record<string, unknown>): Record<NoticeField, string> | undefined {
  const values: Partial<Record<NoticeField, string>> = {};
  for (const field of TEXT_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string') return undefined;
    values[field] = value;
  }
  for (const field of INTEGER_FIELDS) {
    const value = record[field];
    const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof text !== 'string' || !INTEGER_TEXT.test(text)) return undefined;
    values[field] = text;
  }
  return values as Record<NoticeField, string>;
}

function malformed(reference: string | undefined): Notice {
  return { verified: false, problem: 'MALFORMED', reference };
}
