import type { SettlementLine, SettlementType } from './settlement-line';

/**
 * Settlement reconciliation: the provider's file against the hub's ledger, line by line.
 *
 * A line is matched to a ledger entry of the same type by its reference, or by its
 * providerTransactionId when the file gives no reference; payments and refunds never match
 * each other, even under the same reference. Then:
 *   - same amount                 → matched
 *   - other amount                → amountMismatches
 *   - no ledger entry             → missingInHub (the provider settled something the hub did not record)
 *   - a line whose match key came earlier in the file, or whose ledger entry an earlier line
 *     already took               → duplicatesInFile (only the first occurrence is matched)
 *   - ledger entries no line took → missingAtProvider
 * Lists keep file order, and ledger order for missingAtProvider. Maps only: a day's file of a
 * hundred thousand lines reconciles in milliseconds.
 */

/** The hub's own record of what the provider should have settled. */
export interface LedgerEntry {
  reference: string;
  paymentId: string;
  providerTransactionId: string | null;
  amount: number;
  type: SettlementType;
}

export interface ReconciliationResult {
  matched: number;
  missingInHub: { lineNumber: number; reference: string; providerTransactionId: string | null; amount: number; type: SettlementType }[];
  missingAtProvider: { paymentId: string; reference: string; providerTransactionId: string | null; amount: number; type: SettlementType }[];
  amountMismatches: { paymentId: string; reference: string; providerTransactionId: string | null; type: SettlementType; hubAmount: number; providerAmount: number }[];
  duplicatesInFile: { lineNumber: number; reference: string; type: SettlementType }[];
}

export function reconcile(file: SettlementLine[], ledger: LedgerEntry[]): ReconciliationResult {
  const byReference = new Map<string, LedgerEntry>();
  const byTransactionId = new Map<string, LedgerEntry>();
  for (const entry of ledger) {
    // A second ledger entry under the same key cannot be told apart from the first: it stays unmatched and is reported missing at the provider.
    if (entry.reference !== '') setIfAbsent(byReference, referenceKey(entry.type, entry.reference), entry);
    if (entry.providerTransactionId) setIfAbsent(byTransactionId, transactionKey(entry.type, entry.providerTransactionId), entry);
  }

  const result: ReconciliationResult = { matched: 0, missingInHub: [], missingAtProvider: [], amountMismatches: [], duplicatesInFile: [] };
  const keysSeen = new Set<string>();
  const taken = new Set<LedgerEntry>();
  for (const line of file) {
    const key = line.reference !== '' ? referenceKey(line.type, line.reference) : line.providerTransactionId ? transactionKey(line.type, line.providerTransactionId) : undefined;
    if (key !== undefined && keysSeen.has(key)) {
      result.duplicatesInFile.push({ lineNumber: line.lineNumber, reference: line.reference, type: line.type });
      continue;
    }
    if (key !== undefined) keysSeen.add(key);
    const entry = key === undefined ? undefined : line.reference !== '' ? byReference.get(key) : byTransactionId.get(key);
    if (!entry) {
      result.missingInHub.push({ lineNumber: line.lineNumber, reference: line.reference, providerTransactionId: line.providerTransactionId, amount: line.amount, type: line.type });
    } else if (taken.has(entry)) {
      result.duplicatesInFile.push({ lineNumber: line.lineNumber, reference: line.reference, type: line.type });
    } else {
      taken.add(entry);
      if (entry.amount === line.amount) result.matched += 1;
      else result.amountMismatches.push({ paymentId: entry.paymentId, reference: entry.reference, providerTransactionId: entry.providerTransactionId, type: entry.type, hubAmount: entry.amount, providerAmount: line.amount });
    }
  }

  for (const entry of ledger) {
    if (!taken.has(entry)) result.missingAtProvider.push({ paymentId: entry.paymentId, reference: entry.reference, providerTransactionId: entry.providerTransactionId, amount: entry.amount, type: entry.type });
  }
  return result;
}

// The type and the key's kind come first and hold no NUL, so no reference or transaction id can make two keys collide.
function referenceKey(type: SettlementType, reference: string): string {
  return `${type}\u0000r\u0000${reference}`;
}

function transactionKey(type: SettlementType, providerTransactionId: string): string {
  return `${type}\u0000t\u0000${providerTransactionId}`;
}

function setIfAbsent<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (!map.has(key)) map.set(key, value);
}
