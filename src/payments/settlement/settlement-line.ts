/**
 * A provider's settlement file, read into the lines the hub reconciles against its own ledger
 * (reconcile.ts). Each format has its reader (csv-settlement.ts, napas-settlement.ts) and
 * parse-settlement.ts picks one. A reader either returns every line or throws
 * SettlementFileError naming every problem it found, so that the operator fixes a file in one
 * round instead of one upload per mistake; a half-read file is never reconciled.
 */
export const SETTLEMENT_FORMATS = ['csv', 'napas'] as const;
export type SettlementFormat = (typeof SETTLEMENT_FORMATS)[number];

export type SettlementType = 'PAYMENT' | 'REFUND';

export interface SettlementLine {
  /** The line of the file the record starts on (1 = the file's first line), for the operator's report. */
  lineNumber: number;
  /** The merchant reference (CheckoutOrder.reference, RefundOrder.reference); '' when the file leaves it out. */
  reference: string;
  providerTransactionId: string | null;
  /** Integer VND. */
  amount: number;
  type: SettlementType;
  occurredAt: Date | null;
}

export interface SettlementFile {
  format: SettlementFormat;
  lines: SettlementLine[];
  /** The business day the file covers (`YYYY-MM-DD`), when the format's header states it. */
  fileDate: string | null;
  /** The merchant the file is addressed to, when the format's header states it: the hub compares it with the party's. */
  merchantCode: string | null;
}

export interface SettlementProblem {
  /** 1-based line of the file. */
  line: number;
  /** The column or field name as the format documents it (`amount`, `checksum`, `recordType`, ...). */
  field: string;
  message: string;
}

export class SettlementFileError extends Error {
  override name = 'SettlementFileError';

  constructor(
    message: string,
    readonly problems: SettlementProblem[],
  ) {
    super(message);
  }
}

/** A report of a thousand problems helps nobody more than the first hundred do. */
export const MAX_LISTED_PROBLEMS = 100;

/** Collects a file's problems while reading it; counts them all, keeps the first MAX_LISTED_PROBLEMS. */
export class ProblemList {
  private readonly listed: SettlementProblem[] = [];
  private total = 0;

  add(line: number, field: string, message: string): void {
    this.total += 1;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push({ line, field, message });
  }

  get count(): number {
    return this.total;
  }

  toError(format: SettlementFormat): SettlementFileError {
    const shown = this.total > this.listed.length ? `, the first ${this.listed.length} listed` : '';
    return new SettlementFileError(`the ${format} settlement file has ${this.total} problem${this.total === 1 ? '' : 's'}${shown}`, [...this.listed]);
  }

  throwIfAny(format: SettlementFormat): void {
    if (this.total > 0) throw this.toError(format);
  }
}

/** A provider's value quoted in a problem message, cut short: a broken file can put a megabyte in one field. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

