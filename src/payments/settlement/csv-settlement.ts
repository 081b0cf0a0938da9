import { isRfc3339 } from '../../time';
import { ProblemList, quoted, type SettlementFile, type SettlementLine, type SettlementType } from './settlement-line';

/**
 * The hub's own settlement format, for providers that send no file of their own (an
 * integrator converts the provider's statement into it):
 *
 * - UTF-8 text, with or without a byte-order mark; records end with CRLF or LF (a lone CR is
 *   not a line end). Blank lines are ignored.
 * - RFC 4180 fields: a field containing a comma, a double quote or a line break is enclosed in
 *   double quotes, and a double quote inside it is written twice (`"Lệ phí ""khẩn"", hạng B2"`).
 *   A quote inside an unquoted field, or anything but a comma or a line end after a closing
 *   quote, is an error. Every record has as many fields as the header.
 * - The first record is the header. Columns are found by name, in any order; names are
 *   compared case-insensitively after trimming spaces; other columns are ignored. Required:
 *     reference                 the merchant reference the hub gave the provider
 *     provider_transaction_id   the provider's transaction id
 *                               (either may be empty, not both: a line is matched by
 *                               reference, or by transaction id when the reference is empty)
 *     amount                    integer VND, digits only: no sign, separator or decimals
 *     type                      PAYMENT or REFUND (upper case)
 *     occurred_at               RFC 3339 date-time with an offset
 *                               (2026-11-24T09:30:00+07:00), or empty
 * - Spaces around a value are ignored.
 * - Line numbers in problems and lines are physical lines of the file (the header is line 1);
 *   a record whose quoted field spans lines is numbered by the line it starts on.
 *
 * The reader is written here rather than taken from a library: the format needs only the
 * RFC 4180 core, and owning it means a malformed record is reported with its line, never thrown.
 */
const REQUIRED_COLUMNS = ['reference', 'provider_transaction_id', 'amount', 'type', 'occurred_at'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];

const TYPES: ReadonlyMap<string, SettlementType> = new Map([
  ['PAYMENT', 'PAYMENT'],
  ['REFUND', 'REFUND'],
]);

export function parseCsvSettlement(body: string): SettlementFile {
  const problems = new ProblemList();
  const records = readCsvRecords(body.startsWith('\uFEFF') ? body.slice(1) : body);
  const [header, ...rows] = records;
  if (header === undefined || 'problem' in header) {
    const why = header ? `the header row cannot be read: ${header.problem}` : `the file is empty: it must start with the header row ${REQUIRED_COLUMNS.join(',')}`;
    problems.add(header?.lineNumber ?? 1, 'header', why);
    throw problems.toError('csv');
  }
  const columns = columnIndexes(header, problems);
  if (!columns) throw problems.toError('csv');

  const lines: SettlementLine[] = [];
  for (const row of rows) {
    if ('problem' in row) {
      problems.add(row.lineNumber, 'record', row.problem);
      continue;
    }
    if (row.fields.length !== header.fields.length) {
      problems.add(row.lineNumber, 'record', `the record has ${row.fields.length} fields, the header ${header.fields.length}`);
      continue;
    }
    const line = settlementLine(row.lineNumber, (column) => (row.fields[columns[column]] ?? '').trim(), problems);
    if (line) lines.push(line);
  }
  problems.throwIfAny('csv');
  return { format: 'csv', lines, fileDate: null, merchantCode: null };
}

/** Where each required column is, or undefined (with the reason noted) when the header lacks one. */
function columnIndexes(header: CsvRecord, problems: ProblemList): Record<Column, number> | undefined {
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const indexes: Partial<Record<Column, number>> = {};
  for (const column of REQUIRED_COLUMNS) {
    const index = names.indexOf(column);
    if (index === -1) problems.add(header.lineNumber, column, `the header has no ${column} column`);
    else if (names.lastIndexOf(column) !== index) problems.add(header.lineNumber, column, `the header names the ${column} column twice`);
    else indexes[column] = index;
  }
  return REQUIRED_COLUMNS.every((column) => indexes[column] !== undefined) ? (indexes as Record<Column, number>) : undefined;
}

function settlementLine(lineNumber: number, value: (column: Column) => string, problems: ProblemList): SettlementLine | undefined {
  const before = problems.count;
  const reference = value('reference');
  const providerTransactionId = value('provider_transaction_id');
  if (reference === '' && providerTransactionId === '') problems.add(lineNumber, 'reference', 'reference and provider_transaction_id are both empty: the line cannot be matched');

  const amountText = value('amount');
  const amount = Number(amountText);
  if (!/^\d+$/.test(amountText)) problems.add(lineNumber, 'amount', `${quoted(amountText)} is not an amount in VND (digits only, no separator or decimals)`);
  else if (!Number.isSafeInteger(amount)) problems.add(lineNumber, 'amount', `${quoted(amountText)} is too large`);

  const typeText = value('type');
  const type = TYPES.get(typeText);
  if (!type) problems.add(lineNumber, 'type', `${quoted(typeText)} is neither PAYMENT nor REFUND`);

  const occurredAtText = value('occurred_at');
  if (occurredAtText !== '' && !isRfc3339(occurredAtText)) problems.add(lineNumber, 'occurred_at', `${quoted(occurredAtText)} is not an RFC 3339 date-time with an offset`);

  if (problems.count > before || !type) return undefined;
  return {
    lineNumber,
    reference,
    providerTransactionId: providerTransactionId === '' ? null : providerTransactionId,
    amount,
    type,
    occurredAt: occurredAtText === '' ? null : new Date(occurredAtText),
  };
}

type CsvRecord = { lineNumber: number; fields: string[] };
type CsvRecordProblem = { lineNumber: number; problem: string };

/**
 * RFC 4180 records, each with the line it starts on. A malformed record is returned as a
 * problem and reading goes on at the next line, so one stray quote does not hide the rest.
 */
function readCsvRecords(text: string): (CsvRecord | CsvRecordProblem)[] {
  const records: (CsvRecord | CsvRecordProblem)[] = [];
  const end = text.length;
  let position = 0;
  let line = 1;

  const atLineEnd = (at: number): boolean => text[at] === '\n' || (text[at] === '\r' && text[at + 1] === '\n');
  const skipLineEnd = (): void => {
    if (position >= end) return;
    position += text[position] === '\r' ? 2 : 1;
    line += 1;
  };

  while (position < end) {
    if (atLineEnd(position)) {
      skipLineEnd();
      continue;
    }
    const lineNumber = line;
    const fields: string[] = [];
    let problem: string | undefined;
    for (;;) {
      if (text[position] === '"') {
        let value = '';
        let from = position + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) {
            problem = 'a quoted field is not closed before the end of the file';
            line += countLineFeeds(text, from, end);
            position = end;
            break;
          }
          value += text.slice(from, quote);
          line += countLineFeeds(text, from, quote);
          if (text[quote + 1] === '"') {
            value += '"';
            from = quote + 2;
            continue;
          }
          position = quote + 1;
          break;
        }
        if (problem === undefined && position < end && text[position] !== ',' && !atLineEnd(position)) problem = 'characters follow a closing quote';
        fields.push(value);
      } else {
        const from = position;
        while (position < end && text[position] !== ',' && !atLineEnd(position)) position += 1;
        const value = text.slice(from, position);
        if (value.includes('"')) problem = 'a double quote inside an unquoted field (quote the field and double the quote)';
        fields.push(value);
      }
      if (problem !== undefined || text[position] !== ',') break;
      position += 1;
    }
    if (problem !== undefined) {
      records.push({ lineNumber, problem });
      while (position < end && !atLineEnd(position)) position += 1;
    } else {
      records.push({ lineNumber, fields });
    }
    skipLineEnd();
  }
  return records;
}

function countLineFeeds(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}
