import { createHash, timingSafeEqual } from 'node:crypto';
import { isCalendarDate } from '../../time';
import { ProblemList, quoted, type SettlementFile, type SettlementLine, type SettlementType } from './settlement-line';

/**
 * Napas e-commerce daily reconciliation file (after PGP decryption): fixed-width text lines,
 * one record per line, ending with CRLF or LF.
 *
 *   line 1          HR  header: merchant code, business day, creation time
 *   lines 2..n-1    DR  detail: one transaction each, ending with its own checksum
 *   line n          TR  trailer: number of DR lines and the checksum of the whole file
 *
 * Every field is at a fixed position (NAPAS_LAYOUT, 1-based `start`); text is left-aligned and
 * right-padded with spaces, numbers are right-aligned and zero-padded, dates are yyyyMMdd and
 * date-times yyyyMMddHHmmss in Vietnam time (UTC+07:00). Widths count characters. A line
 * shorter than its record is read as if padded with spaces (file tools trim trailing
 * blanks); a longer one is an error.
 *
 * NOT CONFIRMED WITH NAPAS: Napas gives its specification to contracted merchants only, so
 * the field positions and widths, the transaction type codes (NAPAS_TRANSACTION_TYPES), the
 * response code of a settled transaction, the time zone, and both checksums below are this
 * hub's assumption, to check against the specification Napas hands over at onboarding.
 * Correcting a position, a width or a code is an edit to the tables in this file, nothing else.
 *   - A DR line's `checksum` is the MD5 (lower-case hex) of the line's characters before the
 *     checksum field, as UTF-8.
 *   - The TR line's `fileChecksum` is the MD5 (lower-case hex) of every DR line in file
 *     order, each followed by one LF, whatever line ends the file was sent with (so that a
 *     CRLF conversion in transfer does not break it).
 *
 * Checks: the file is one HR, DR lines, one TR; every record type is known; each field has
 * its kind's form; each DR checksum; the trailer's count equals the DR lines; the file
 * checksum; currency is 704 (VND); the transaction type is known. A DR line whose response
 * code is not SETTLED_RESPONSE_CODE records a declined transaction: it is checked like any
 * other line, but moves no money, so it is not returned as a settlement line.
 */
type FieldKind =
  /** The two letters that select the layout; matched before the layout is known. */
  | 'recordType'
  /** Left-aligned, right-padded with spaces, not empty. */
  | 'text'
  /** Digits only over the whole width. */
  | 'number'
  /** yyyyMMdd */
  | 'date'
  /** yyyyMMddHHmmss, Vietnam time */
  | 'datetime'
  /** 32 lower-case hex digits. */
  | 'md5'
  /** Spaces only. */
  | 'filler';

interface FieldSpec {
  readonly name: string;
  /** 1-based position of the field's first character, as specifications number them. */
  readonly start: number;
  readonly length: number;
  readonly kind: FieldKind;
}

export const NAPAS_LAYOUT = {
  HR: [
    { name: 'recordType', start: 1, length: 2, kind: 'recordType' },
    { name: 'merchantCode', start: 3, length: 15, kind: 'text' },
    { name: 'fileDate', start: 18, length: 8, kind: 'date' },
    { name: 'createdAt', start: 26, length: 14, kind: 'datetime' },
    { name: 'filler', start: 40, length: 91, kind: 'filler' },
  ],
  DR: [
    { name: 'recordType', start: 1, length: 2, kind: 'recordType' },
    { name: 'transactionType', start: 3, length: 2, kind: 'text' },
    { name: 'merchantReference', start: 5, length: 40, kind: 'text' },
    { name: 'napasTransactionId', start: 45, length: 20, kind: 'text' },
    { name: 'amount', start: 65, length: 15, kind: 'number' },
    { name: 'currency', start: 80, length: 3, kind: 'number' },
    { name: 'transactionDateTime', start: 83, length: 14, kind: 'datetime' },
    { name: 'responseCode', start: 97, length: 2, kind: 'text' },
    { name: 'checksum', start: 99, length: 32, kind: 'md5' },
  ],
  TR: [
    { name: 'recordType', start: 1, length: 2, kind: 'recordType' },
    { name: 'recordCount', start: 3, length: 9, kind: 'number' },
    { name: 'fileChecksum', start: 12, length: 32, kind: 'md5' },
    { name: 'filler', start: 44, length: 87, kind: 'filler' },
  ],
} as const satisfies Record<string, readonly FieldSpec[]>;

type RecordType = keyof typeof NAPAS_LAYOUT;
type FieldsOf<T extends RecordType> = Record<(typeof NAPAS_LAYOUT)[T][number]['name'], string>;

/** DR transactionType → what the hub reconciles it as (assumed codes: see above). */
export const NAPAS_TRANSACTION_TYPES: ReadonlyMap<string, SettlementType> = new Map([
  ['01', 'PAYMENT'],
  ['02', 'REFUND'],
]);
/** The DR responseCode of a transaction that was carried out (assumed: see above). */
export const SETTLED_RESPONSE_CODE = '00';
/** ISO 4217 numeric code of the Vietnamese đồng. */
const VND_CURRENCY = '704';
const VIETNAM_OFFSET = '+07:00';
/** Each DR checksum covers the line up to this offset. */
const DETAIL_CHECKSUM_OFFSET = fieldOffset('DR', 'checksum');

export function parseNapasSettlement(body: string): SettlementFile {
  const problems = new ProblemList();
  const texts = (body.startsWith('\uFEFF') ? body.slice(1) : body).split('\n').map((text) => (text.endsWith('\r') ? text.slice(0, -1) : text));
  if (texts.length > 1 && texts[texts.length - 1] === '') texts.pop();

  let header: FieldsOf<'HR'> | undefined;
  let trailer: { lineNumber: number; record: RecordRead<'TR'> } | undefined;
  const lines: SettlementLine[] = [];
  const detailDigest = createHash('md5');
  let detailCount = 0;

  texts.forEach((text, index) => {
    const lineNumber = index + 1;
    const recordType = text.slice(0, 2);
    if (!isRecordType(recordType)) {
      problems.add(lineNumber, 'recordType', `${quoted(recordType)} is not a record type (HR, DR or TR)`);
      return;
    }
    if (recordType === 'DR') {
      // Counted and digested wherever it stands, so that a misplaced line is reported once, not again by the trailer.
      detailCount += 1;
      detailDigest.update(`${text}\n`, 'utf8');
    }
    const placeProblem = misplaced(recordType, lineNumber, texts.length);
    if (placeProblem) {
      problems.add(lineNumber, 'recordType', placeProblem);
      return;
    }
    if (recordType === 'HR') {
      header = readRecord('HR', text, lineNumber, problems).fields;
    } else if (recordType === 'TR') {
      trailer = { lineNumber, record: readRecord('TR', text, lineNumber, problems) };
    } else {
      const line = readDetail(text, lineNumber, problems);
      if (line) lines.push(line);
    }
  });
  if (texts.length < 2) problems.add(texts.length, 'recordType', 'the file has no TR trailer line');

  if (trailer) {
    const { lineNumber, record } = trailer;
    const declaredCount = Number(record.fields.recordCount);
    if (!record.malformed.has('recordCount') && declaredCount !== detailCount) problems.add(lineNumber, 'recordCount', `the trailer counts ${declaredCount} DR lines, the file has ${detailCount}`);
    if (!record.malformed.has('fileChecksum') && !sameHex(detailDigest.digest('hex'), record.fields.fileChecksum)) problems.add(lineNumber, 'fileChecksum', 'does not match the DR lines');
  }
  problems.throwIfAny('napas');
  return {
    format: 'napas',
    lines,
    fileDate: header ? `${header.fileDate.slice(0, 4)}-${header.fileDate.slice(4, 6)}-${header.fileDate.slice(6, 8)}` : null,
    merchantCode: header ? header.merchantCode : null,
  };
}

function isRecordType(value: string): value is RecordType {
  return Object.hasOwn(NAPAS_LAYOUT, value);
}

function misplaced(recordType: RecordType, lineNumber: number, lineCount: number): string | undefined {
  if (lineNumber === 1) return recordType === 'HR' ? undefined : 'the file must start with an HR header line';
  if (lineNumber === lineCount) return recordType === 'TR' ? undefined : 'the file must end with a TR trailer line';
  return recordType === 'DR' ? undefined : `a ${recordType} line between the header and the trailer, where only DR lines go`;
}

function readDetail(text: string, lineNumber: number, problems: ProblemList): SettlementLine | undefined {
  const before = problems.count;
  const { fields, malformed } = readRecord('DR', text, lineNumber, problems);

  if (!malformed.has('checksum') && !sameHex(md5(text.slice(0, DETAIL_CHECKSUM_OFFSET)), fields.checksum)) problems.add(lineNumber, 'checksum', 'does not match the line');
  const type = NAPAS_TRANSACTION_TYPES.get(fields.transactionType);
  if (!malformed.has('transactionType') && !type) problems.add(lineNumber, 'transactionType', `${quoted(fields.transactionType)} is not a known transaction type (${[...NAPAS_TRANSACTION_TYPES.keys()].join(', ')})`);
  const amount = Number(fields.amount);
  if (!malformed.has('amount') && !Number.isSafeInteger(amount)) problems.add(lineNumber, 'amount', `${quoted(fields.amount)} is too large`);
  if (!malformed.has('currency') && fields.currency !== VND_CURRENCY) problems.add(lineNumber, 'currency', `${quoted(fields.currency)} is not ${VND_CURRENCY} (VND)`);

  if (problems.count > before || !type || fields.responseCode !== SETTLED_RESPONSE_CODE) return undefined;
  return {
    lineNumber,
    reference: fields.merchantReference,
    providerTransactionId: fields.napasTransactionId,
    amount,
    type,
    occurredAt: vietnamDateTime(fields.transactionDateTime),
  };
}

type RecordRead<T extends RecordType> = {
  /** Text fields without their padding, the others as they stand. */
  fields: FieldsOf<T>;
  /** Fields whose form is wrong (already reported): checks of their meaning would only repeat it. */
  malformed: ReadonlySet<string>;
};

function readRecord<T extends RecordType>(recordType: T, text: string, lineNumber: number, problems: ProblemList): RecordRead<T> {
  const layout: readonly FieldSpec[] = NAPAS_LAYOUT[recordType];
  const width = Math.max(...layout.map((field) => field.start - 1 + field.length));
  if (text.length > width) problems.add(lineNumber, 'line', `the line has ${text.length} characters, a ${recordType} record ${width}`);
  const padded = text.padEnd(width, ' ');
  const fields: Record<string, string> = {};
  const malformed = new Set<string>();
  for (const field of layout) {
    const raw = padded.slice(field.start - 1, field.start - 1 + field.length);
    const problem = formProblem(field.kind, raw);
    if (problem) {
      problems.add(lineNumber, field.name, problem);
      malformed.add(field.name);
    }
    fields[field.name] = field.kind === 'text' ? raw.trimEnd() : raw;
  }
  return { fields: fields as FieldsOf<T>, malformed };
}

function formProblem(kind: FieldKind, raw: string): string | undefined {
  switch (kind) {
    case 'recordType':
      return undefined;
    case 'text':
      if (raw.trim() === '') return 'is empty';
      return raw.startsWith(' ') ? `${quoted(raw.trimEnd())} is not left-aligned` : undefined;
    case 'number':
      return /^\d+$/.test(raw) ? undefined : `${quoted(raw)} is not a zero-padded number`;
    case 'date':
      return /^\d{8}$/.test(raw) && isCalendarDate(Number(raw.slice(0, 4)), Number(raw.slice(4, 6)), Number(raw.slice(6, 8))) ? undefined : `${quoted(raw)} is not a date yyyyMMdd`;
    case 'datetime':
      return vietnamDateTime(raw) ? undefined : `${quoted(raw)} is not a date-time yyyyMMddHHmmss`;
    case 'md5':
      return /^[0-9a-f]{32}$/.test(raw) ? undefined : `${quoted(raw)} is not 32 lower-case hex digits`;
    case 'filler':
      return /^ *$/.test(raw) ? undefined : `${quoted(raw)} should be spaces`;
  }
}

function vietnamDateTime(raw: string): Date | null {
  const parts = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(raw);
  if (!parts) return null;
  const [, year, month, day, hour, minute, second] = parts.map(Number) as [number, number, number, number, number, number, number];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  return new Date(`${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}T${raw.slice(8, 10)}:${raw.slice(10, 12)}:${raw.slice(12, 14)}${VIETNAM_OFFSET}`);
}

/** Where a field begins, 0-based; the name is checked against the table by the compiler. */
function fieldOffset<T extends RecordType>(recordType: T, name: keyof FieldsOf<T>): number {
  const layout: readonly FieldSpec[] = NAPAS_LAYOUT[recordType];
  const field = layout.find((candidate) => candidate.name === name);
  if (!field) throw new Error(`NAPAS_LAYOUT.${recordType} has no ${String(name)} field`);
  return field.start - 1;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Checksums are not secrets, but compared like signatures all the same: one rule for every digest. */
function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
