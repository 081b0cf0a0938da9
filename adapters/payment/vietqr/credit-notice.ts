import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Notice, ProviderResult, RawHttpRequest } from '../connector';
import { findReference } from './reference';
import type { VietqrSettings } from './settings';

/**
 * The credit notice: Napas sends nothing, so the bank or an aggregator watching the account
 * POSTs one per transfer. Its layout is VietQR.vn's transaction-sync (api.vietqr.vn "API
 * Transaction Sync", keys as in the Vietnamese page and in a production notice quoted on
 * doc.vietqr.vn; the English page spells them in camelCase):
 *
 *   POST <callbackUrl>   Content-Type: application/json   Authorization: Bearer <noticeToken>
 *   { "transactionid": "c0e4…", "transactiontime": 1767844560000, "referencenumber": "FT26008507756020",
 *     "amount": 25000, "content": "<the payer's memo, as the bank mangled it>", "bankaccount": "2625081990",
 *     "transType": "C", "orderId": "", "sign": "", "terminalCode": "", "subTerminalCode": "",
 *     "serviceCode": "", "urlLink": "" }
 *
 * The bearer token is compared in constant time. `sign`, when the party has a noticeSigningKey,
 * is HMAC-SHA256(key as UTF-8) in lowercase hex over
 * `{transactionid}{amount as 10 digits, zero-padded}{transactiontime}{orderId}`, the only rule
 * VietQR publishes (doc.vietqr.vn "Tài liệu kết nối VietQR", with a test vector). It does not
 * cover `content`, so the reference rests on the bearer token alone.
 *
 * The reference is found in `content` (reference.ts). `referencenumber` is the bank's own
 * transaction code, the key VietQR tells partners to deduplicate retries on; it is the
 * providerTransactionId, and the status lookup finds the same code, so a credit seen both
 * ways is one ledger entry.
 */
export interface CreditNotice {
  bankAccount: string;
  amount: number;
  transType: string | undefined;
  content: string;
  transactionId: string;
  transactionTime: string;
  referenceNumber: string | undefined;
  orderId: string;
  sign: string | undefined;
}

const MAX_AMOUNT_DIGITS = 10;

/** An integer VND amount, as a JSON number or a string of digits (VietQR's own examples use both); anything else is undefined. */
export function readVnd(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^([0-9]{1,15})(?:\.0+)?$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

function optionalText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The notice's fields, or undefined when a required one is missing or unusable. */
export function readCreditNotice(body: Record<string, unknown>): CreditNotice | undefined {
  const amount = readVnd(body.amount);
  const { bankaccount, content } = body;
  if (amount === undefined || amount === 0 || String(amount).length > MAX_AMOUNT_DIGITS) return undefined;
  if (typeof bankaccount !== 'string' || bankaccount === '' || typeof content !== 'string') return undefined;
  return {
    bankAccount: bankaccount,
    amount,
    transType: optionalText(body.transType),
    content,
    transactionId: optionalText(body.transactionid) ?? '',
    transactionTime: optionalText(body.transactiontime) ?? '',
    referenceNumber: optionalText(body.referencenumber),
    orderId: optionalText(body.orderId) ?? '',
    sign: optionalText(body.sign),
  };
}

export function noticeSignature(key: string, notice: Pick<CreditNotice, 'transactionId' | 'amount' | 'transactionTime' | 'orderId'>): string {
  const data = `${notice.transactionId}${String(notice.amount).padStart(MAX_AMOUNT_DIGITS, '0')}${notice.transactionTime}${notice.orderId}`;
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(data, 'utf8').digest('hex');
}

function equalInConstantTime(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  return presented !== undefined && equalInConstantTime(presented, token);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * transType: C (credit) is a payment. D (debit: money leaving the account, e.g. a refund made
 * by hand) is never one, and the hub has nothing to learn from it: MALFORMED without a
 * reference, so nothing is queried. Missing or unknown: PENDING, unless the party's sender is
 * known to leave it out of credits (creditWithoutTransType).
 */
export function resultOfTransType(transType: string | undefined, creditWithoutTransType: boolean): ProviderResult | 'DEBIT' {
  const code = transType?.toUpperCase();
  if (code === 'C') return 'SUCCEEDED';
  if (code === 'D') return 'DEBIT';
  if (code === undefined && creditWithoutTransType) return 'SUCCEEDED';
  return 'PENDING';
}

export function parseCreditNotice(settings: VietqrSettings, request: RawHttpRequest): Notice {
  const body = request.method === 'POST' ? parseJsonObject(request.body) : undefined;
  const readableReference = typeof body?.content === 'string' ? findReference(body.content) : undefined;
  if (!bearerMatches(request.headers.authorization, settings.noticeToken)) return { verified: false, problem: 'INVALID_SIGNATURE', reference: readableReference };

  const notice = body ? readCreditNotice(body) : undefined;
  if (!notice) return { verified: false, problem: 'MALFORMED', reference: readableReference };
  if (settings.noticeSigningKey !== undefined && !(notice.sign !== undefined && equalInConstantTime(notice.sign.toLowerCase(), noticeSignature(settings.noticeSigningKey, notice)))) {
    return { verified: false, problem: 'INVALID_SIGNATURE', reference: readableReference };
  }

  const result = resultOfTransType(notice.transType, settings.creditWithoutTransType);
  if (result === 'DEBIT' || readableReference === undefined) return { verified: false, problem: 'MALFORMED', reference: undefined };
  const bankTransactionId = notice.referenceNumber ?? (notice.transactionId || undefined);
  // Without the bank's code a retried notice cannot be told from a second transfer.
  if (bankTransactionId === undefined) return { verified: false, problem: 'MALFORMED', reference: readableReference };
  return {
    verified: true,
    reference: readableReference,
    amount: notice.amount,
    merchantCode: notice.bankAccount,
    result,
    providerTransactionId: bankTransactionId,
    providerCode: result === 'SUCCEEDED' ? undefined : (notice.transType ?? 'NO_TRANS_TYPE'),
    eventKey: creditEventKey(readableReference, bankTransactionId, result),
  };
}

/** One ledger entry per (attempt, bank transaction, result), whether the notice or the lookup reported it. */
export function creditEventKey(reference: string, bankTransactionId: string, result: ProviderResult): string {
  return `${reference}:${bankTransactionId}:${result}`;
}
