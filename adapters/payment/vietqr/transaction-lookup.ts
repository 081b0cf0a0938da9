import { type AttemptRef, type ProviderHttp, ProviderUnavailableError, type StatusReport } from '../connector';
import { creditEventKey, readVnd } from './credit-notice';
import { memoCarries } from './reference';

/**
 * The status of an attempt, from the aggregator's list of the account's transactions: SePay's
 * GET /userapi/transactions/list (developer.sepay.vn, "API Giao dịch"), bearer API token,
 * answering { status, error, messages: { success }, transactions: [{ id, account_number,
 * transaction_date "YYYY-MM-DD HH:mm:ss" (GMT+7), amount_in "150000.00", amount_out,
 * transaction_content, reference_number, ... }] }.
 *
 * A credit to the account, of the attempt's amount, whose memo carries the reference, is the
 * payment: SUCCEEDED. Anything else is PENDING: a bank transfer never fails, it only does not
 * happen, and when to give up is the hub's expiry, not the bank's word.
 */
const GMT7_MS = 7 * 3_600_000;
/** Banks stamp transfers with their own clock: look from a little before the attempt was made. */
const CLOCK_MARGIN_MS = 15 * 60_000;

/** SePay filters by calendar date in Vietnam's time (GMT+7), as yyyy-mm-dd. */
export function gmt7Date(instant: Date): string {
  return new Date(instant.getTime() + GMT7_MS).toISOString().slice(0, 10);
}

export function transactionListUrl(transactionsUrl: string, accountNumber: string, attempt: AttemptRef): string {
  const url = new URL(transactionsUrl);
  url.searchParams.set('account_number', accountNumber);
  url.searchParams.set('transaction_date_min', gmt7Date(new Date(attempt.createdAt.getTime() - CLOCK_MARGIN_MS)));
  // Only transfers of exactly this amount: keeps the answer short (SePay returns up to 5,000 rows).
  url.searchParams.set('amount_in', String(attempt.amount));
  return url.href;
}

interface ListedTransaction {
  row: Record<string, unknown>;
  bankTransactionId: string;
}

function readTransactions(body: string): Record<string, unknown>[] | undefined {
  try {
    const parsed = JSON.parse(body) as { messages?: { success?: unknown }; transactions?: unknown };
    if (parsed?.messages?.success !== true || !Array.isArray(parsed.transactions)) return undefined;
    return parsed.transactions.filter((row): row is Record<string, unknown> => row !== null && typeof row === 'object');
  } catch {
    return undefined;
  }
}

function findPayment(rows: Record<string, unknown>[], accountNumber: string, attempt: AttemptRef): ListedTransaction | undefined {
  for (const row of rows) {
    const credited = readVnd(row.amount_in);
    const debited = row.amount_out === undefined || row.amount_out === null ? 0 : readVnd(row.amount_out);
    const bankTransactionId = typeof row.reference_number === 'string' && row.reference_number !== '' ? row.reference_number : undefined;
    if (row.account_number !== accountNumber || credited !== attempt.amount || debited !== 0 || bankTransactionId === undefined) continue;
    if (typeof row.transaction_content === 'string' && memoCarries(row.transaction_content, attempt.reference)) return { row, bankTransactionId };
  }
  return undefined;
}

export async function lookUpPayment(http: ProviderHttp, lookup: { transactionsUrl: string; apiToken: string }, accountNumber: string, attempt: AttemptRef): Promise<StatusReport> {
  const response = await http.request({
    method: 'GET',
    url: transactionListUrl(lookup.transactionsUrl, accountNumber, attempt),
    headers: { authorization: `Bearer ${lookup.apiToken}`, accept: 'application/json' },
  });
  if (response.status !== 200) throw new ProviderUnavailableError(`vietqr transaction list answered HTTP ${response.status}`);
  const rows = readTransactions(response.body);
  if (!rows) throw new ProviderUnavailableError('vietqr transaction list answered without a transactions list');

  const payment = findPayment(rows, accountNumber, attempt);
  if (!payment) return pendingReport(attempt, response.body);
  return {
    result: 'SUCCEEDED',
    amount: attempt.amount,
    providerTransactionId: payment.bankTransactionId,
    providerCode: undefined,
    eventKey: creditEventKey(attempt.reference, payment.bankTransactionId, 'SUCCEEDED'),
    // The matching row, not the whole list: that is the fact the ledger keeps.
    raw: JSON.stringify(payment.row),
  };
}

export function pendingReport(attempt: AttemptRef, raw: string): StatusReport {
  return { result: 'PENDING', amount: undefined, providerTransactionId: undefined, providerCode: undefined, eventKey: `${attempt.reference}:PENDING`, raw };
}
