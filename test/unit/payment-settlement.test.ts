import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsvSettlement } from '../../src/payments/settlement/csv-settlement';
import { NAPAS_LAYOUT, parseNapasSettlement } from '../../src/payments/settlement/napas-settlement';
import { parseSettlementFile } from '../../src/payments/settlement/parse-settlement';
import { type LedgerEntry, reconcile } from '../../src/payments/settlement/reconcile';
import { MAX_LISTED_PROBLEMS, SettlementFileError, type SettlementFormat, type SettlementLine, type SettlementProblem } from '../../src/payments/settlement/settlement-line';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'settlement');
const CSV_FIXTURE = readFileSync(path.join(FIXTURES, 'momo-settlement-2026-11-24.csv'), 'utf8');
const NAPAS_FIXTURE = readFileSync(path.join(FIXTURES, 'napas-LIENTHONG0001-20261124.txt'), 'utf8');
const CSV_HEADER = 'reference,provider_transaction_id,amount,type,occurred_at';

function thrown(read: () => unknown): SettlementFileError {
  try {
    read();
  } catch (error) {
    if (error instanceof SettlementFileError) return error;
    throw error;
  }
  throw new Error('the file was accepted');
}

function problemsOf(read: () => unknown): SettlementProblem[] {
  return thrown(read).problems;
}

describe('the CSV settlement file', () => {
  it('reads the fixture: quoted Vietnamese text, a field over two lines, extra columns and a line matched by transaction id only', () => {
    const file = parseCsvSettlement(CSV_FIXTURE);
    expect(file).toEqual({
      format: 'csv',
      fileDate: null,
      merchantCode: null,
      lines: [
        { lineNumber: 2, reference: 'LT261124A7K2M9QX4B', providerTransactionId: '4088135562', amount: 200_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T01:30:15Z') },
        { lineNumber: 3, reference: 'LT261124B3P8W1ZR6C', providerTransactionId: '4088139017', amount: 1_250_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T02:12:47Z') },
        { lineNumber: 4, reference: 'LT261124D5F7J3LV8E', providerTransactionId: '4088150342', amount: 3_500_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T07:59:58Z') },
        { lineNumber: 5, reference: 'RF261124E2Q6R8MB1F', providerTransactionId: '4088161105', amount: 200_000, type: 'REFUND', occurredAt: new Date('2026-11-24T09:33:21Z') },
        { lineNumber: 7, reference: '', providerTransactionId: '4088172290', amount: 735_000, type: 'PAYMENT', occurredAt: null },
      ],
    });
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const body = `${CSV_HEADER},ghi_chu\n"LT,1","MM ""42"", lô 7",150000,PAYMENT,,"một, hai\nba"\n"LT2",,"9",REFUND,"",x\n`;
    const { lines } = parseCsvSettlement(body);
    expect(lines).toEqual([
      { lineNumber: 2, reference: 'LT,1', providerTransactionId: 'MM "42", lô 7', amount: 150_000, type: 'PAYMENT', occurredAt: null },
      { lineNumber: 4, reference: 'LT2', providerTransactionId: null, amount: 9, type: 'REFUND', occurredAt: null },
    ]);
  });

  it('takes a byte-order mark, CRLF, columns in any order named in any case, spaces around values and blank lines', () => {
    const body = '\uFEFFType, Amount ,OCCURRED_AT,Provider_Transaction_Id,reference\r\n PAYMENT , 200000 ,2026-11-24T08:30:15.250+07:00,4088135562, LT1 \r\n\r\nREFUND,5,,,LT2\r\n';
    expect(parseCsvSettlement(body).lines).toEqual([
      { lineNumber: 2, reference: 'LT1', providerTransactionId: '4088135562', amount: 200_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T01:30:15.250Z') },
      { lineNumber: 4, reference: 'LT2', providerTransactionId: null, amount: 5, type: 'REFUND', occurredAt: null },
    ]);
  });

  it('takes a header with no lines: a day without transactions', () => {
    expect(parseCsvSettlement(`${CSV_HEADER}\r\n`).lines).toEqual([]);
  });

  it('refuses a header that lacks a column, naming each missing one', () => {
    const error = thrown(() => parseCsvSettlement('reference,amount,type\nLT1,100,PAYMENT\n'));
    expect(error.message).toBe('the csv settlement file has 2 problems');
    expect(error.problems).toEqual([
      { line: 1, field: 'provider_transaction_id', message: 'the header has no provider_transaction_id column' },
      { line: 1, field: 'occurred_at', message: 'the header has no occurred_at column' },
    ]);
  });

  it('refuses a header naming a column twice, and an empty file', () => {
    expect(problemsOf(() => parseCsvSettlement(`${CSV_HEADER},amount\n`))).toEqual([{ line: 1, field: 'amount', message: 'the header names the amount column twice' }]);
    expect(problemsOf(() => parseCsvSettlement(''))).toEqual([{ line: 1, field: 'header', message: `the file is empty: it must start with the header row ${CSV_HEADER}` }]);
    expect(problemsOf(() => parseCsvSettlement('\uFEFF\n\n'))).toHaveLength(1);
  });

  it('reports every bad line with its line and field, and reads none of the file', () => {
    const body = [
      CSV_HEADER,
      'LT1,T1,"150,000",PAYMENT,',
      'LT2,T2,12.5,PAYMENT,',
      'LT3,T3,-5,PAYMENT,',
      'LT4,T4,abc,payment,2026-11-24 09:30',
      'LT5,T5,100,PAYMENT,2026-02-30T09:30:00+07:00',
      ',,100,REFUND,',
      'LT7,T7,100,PAYMENT',
      'LT8,T8,100,PAYMENT,,',
      'LT"9,T9,100,PAYMENT,',
      '"LT10"x,T10,100,PAYMENT,',
      'LT11,T11,99999999999999999999,PAYMENT,',
      'LT12,T12,100,PAYMENT,',
      '"LT13,T13,100,PAYMENT,',
    ].join('\n');
    expect(problemsOf(() => parseCsvSettlement(body))).toEqual([
      { line: 2, field: 'amount', message: '"150,000" is not an amount in VND (digits only, no separator or decimals)' },
      { line: 3, field: 'amount', message: '"12.5" is not an amount in VND (digits only, no separator or decimals)' },
      { line: 4, field: 'amount', message: '"-5" is not an amount in VND (digits only, no separator or decimals)' },
      { line: 5, field: 'amount', message: '"abc" is not an amount in VND (digits only, no separator or decimals)' },
      { line: 5, field: 'type', message: '"payment" is neither PAYMENT nor REFUND' },
      { line: 5, field: 'occurred_at', message: '"2026-11-24 09:30" is not an RFC 3339 date-time with an offset' },
      { line: 6, field: 'occurred_at', message: '"2026-02-30T09:30:00+07:00" is not an RFC 3339 date-time with an offset' },
      { line: 7, field: 'reference', message: 'reference and provider_transaction_id are both empty: the line cannot be matched' },
      { line: 8, field: 'record', message: 'the record has 4 fields, the header 5' },
      { line: 9, field: 'record', message: 'the record has 6 fields, the header 5' },
      { line: 10, field: 'record', message: 'a double quote inside an unquoted field (quote the field and double the quote)' },
      { line: 11, field: 'record', message: 'characters follow a closing quote' },
      { line: 12, field: 'amount', message: '"99999999999999999999" is too large' },
      { line: 14, field: 'record', message: 'a quoted field is not closed before the end of the file' },
    ]);
  });

  it(`lists the first ${MAX_LISTED_PROBLEMS} problems and counts them all`, () => {
    const body = [CSV_HEADER, ...Array.from({ length: 250 }, (_, index) => `LT${index},T${index},x,PAYMENT,`)].join('\n');
    const error = thrown(() => parseCsvSettlement(body));
    expect(error.message).toBe(`the csv settlement file has 250 problems, the first ${MAX_LISTED_PROBLEMS} listed`);
    expect(error.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(error.problems[99]).toMatchObject({ line: 101, field: 'amount' });
  });
});

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const NAPAS_HEADER = 'HRLIENTHONG0001  2026112420261125013000'.padEnd(130);

/** A DR line built by hand, independently of NAPAS_LAYOUT, so that the test checks the table. */
function napasDetail(fields: { type?: string; reference: string; transactionId: string; amount: string; currency?: string; at?: string; code?: string }): string {
  const content = `DR${fields.type ?? '01'}${fields.reference.padEnd(40)}${fields.transactionId.padEnd(20)}${fields.amount.padStart(15, '0')}${fields.currency ?? '704'}${fields.at ?? '20261124083015'}${fields.code ?? '00'}`;
  return `${content}${md5(content)}`;
}

function napasFile(details: string[], trailer: { count?: number; checksum?: string } = {}): string {
  const count = String(trailer.count ?? details.length).padStart(9, '0');
  const checksum = trailer.checksum ?? md5(details.map((line) => `${line}\n`).join(''));
  return [NAPAS_HEADER, ...details, `TR${count}${checksum}`.padEnd(130)].map((line) => `${line}\n`).join('');
}

const DETAIL_1 = napasDetail({ reference: 'LT261124A7K2M9QX4B', transactionId: '2611240000183561', amount: '200000' });
const DETAIL_2 = napasDetail({ type: '02', reference: 'RF261124E2Q6R8MB1F', transactionId: '2611240000191342', amount: '200000', at: '20261124163321' });

describe('the Napas settlement file', () => {
  it('reads the fixture: header facts, payments and refunds, declined transactions left out', () => {
    const file = parseNapasSettlement(NAPAS_FIXTURE);
    expect(file.fileDate).toBe('2026-11-24');
    expect(file.merchantCode).toBe('LIENTHONG0001');
    expect(file.lines).toEqual([
      { lineNumber: 2, reference: 'LT261124A7K2M9QX4B', providerTransactionId: '2611240000183561', amount: 200_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T01:30:15Z') },
      { lineNumber: 3, reference: 'LT261124B3P8W1ZR6C', providerTransactionId: '2611240000184077', amount: 1_250_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T02:12:47Z') },
      // line 4 is a declined transaction (response code 51)
      { lineNumber: 5, reference: 'LT261124D5F7J3LV8E', providerTransactionId: '2611240000186904', amount: 3_500_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T07:59:58Z') },
      { lineNumber: 6, reference: 'RF261124E2Q6R8MB1F', providerTransactionId: '2611240000191342', amount: 200_000, type: 'REFUND', occurredAt: new Date('2026-11-24T09:33:21Z') },
      { lineNumber: 7, reference: 'LT261124F8G1S5XC3G', providerTransactionId: '2611240000192788', amount: 735_000, type: 'PAYMENT', occurredAt: new Date('2026-11-24T16:59:59Z') },
    ]);
  });

  it('has a layout table without gaps or overlaps, every record as wide as the others, the DR checksum last', () => {
    const widths = Object.values(NAPAS_LAYOUT).map((fields) => {
      let next = 1;
      for (const field of fields) {
        expect(field.start).toBe(next);
        next += field.length;
      }
      return next - 1;
    });
    expect(new Set(widths)).toEqual(new Set([130]));
    expect(NAPAS_LAYOUT.DR.at(-1)?.name).toBe('checksum');
  });

  it('reads a file built to the documented layout, with LF ends and trimmed padding', () => {
    const body = napasFile([DETAIL_1, DETAIL_2]).replace(/ +\n/g, '\n');
    expect(parseNapasSettlement(body).lines.map((line) => [line.lineNumber, line.type, line.amount])).toEqual([
      [2, 'PAYMENT', 200_000],
      [3, 'REFUND', 200_000],
    ]);
  });

  it('refuses a line whose checksum does not match it', () => {
    const tampered = DETAIL_1.replace('000000000200000', '000000000900000');
    expect(problemsOf(() => parseNapasSettlement(napasFile([tampered, DETAIL_2])))).toEqual([{ line: 2, field: 'checksum', message: 'does not match the line' }]);
  });

  it('refuses a trailer whose count is not the number of DR lines', () => {
    expect(problemsOf(() => parseNapasSettlement(napasFile([DETAIL_1, DETAIL_2], { count: 3 })))).toEqual([{ line: 4, field: 'recordCount', message: 'the trailer counts 3 DR lines, the file has 2' }]);
  });

  it('refuses a file whose checksum does not cover its DR lines (a line dropped, the count adjusted)', () => {
    const checksumOfBoth = md5(`${DETAIL_1}\n${DETAIL_2}\n`);
    expect(problemsOf(() => parseNapasSettlement(napasFile([DETAIL_1], { checksum: checksumOfBoth })))).toEqual([{ line: 3, field: 'fileChecksum', message: 'does not match the DR lines' }]);
  });

  it('refuses a non-numeric amount even under a valid line checksum', () => {
    const detail = napasDetail({ reference: 'LT1', transactionId: 'N1', amount: '12O000' });
    expect(problemsOf(() => parseNapasSettlement(napasFile([detail])))).toEqual([{ line: 2, field: 'amount', message: '"00000000012O000" is not a zero-padded number' }]);
  });

  it('refuses other currencies, unknown transaction types, impossible times, empty and misaligned fields', () => {
    const details = [
      napasDetail({ reference: 'LT1', transactionId: 'N1', amount: '100', currency: '840' }),
      napasDetail({ type: '07', reference: 'LT2', transactionId: 'N2', amount: '100' }),
      napasDetail({ reference: 'LT3', transactionId: 'N3', amount: '100', at: '20261131083015' }),
      napasDetail({ reference: '', transactionId: ' N4', amount: '100' }),
    ];
    expect(problemsOf(() => parseNapasSettlement(napasFile(details)))).toEqual([
      { line: 2, field: 'currency', message: '"840" is not 704 (VND)' },
      { line: 3, field: 'transactionType', message: '"07" is not a known transaction type (01, 02)' },
      { line: 4, field: 'transactionDateTime', message: '"20261131083015" is not a date-time yyyyMMddHHmmss' },
      { line: 5, field: 'merchantReference', message: 'is empty' },
      { line: 5, field: 'napasTransactionId', message: '" N4" is not left-aligned' },
    ]);
  });

  it('refuses a file out of order: no header, no trailer, a header in the middle, an unknown record, a line too long', () => {
    const trailer = `TR000000001${md5(`${DETAIL_1}\n`)}`;
    expect(problemsOf(() => parseNapasSettlement([DETAIL_1, trailer].join('\n')))).toEqual([{ line: 1, field: 'recordType', message: 'the file must start with an HR header line' }]);
    expect(problemsOf(() => parseNapasSettlement([NAPAS_HEADER, DETAIL_1].join('\n')))).toEqual([{ line: 2, field: 'recordType', message: 'the file must end with a TR trailer line' }]);
    expect(problemsOf(() => parseNapasSettlement(NAPAS_HEADER))).toEqual([{ line: 1, field: 'recordType', message: 'the file has no TR trailer line' }]);
    expect(problemsOf(() => parseNapasSettlement([NAPAS_HEADER, NAPAS_HEADER, DETAIL_1, trailer].join('\n')))).toEqual([
      { line: 2, field: 'recordType', message: 'a HR line between the header and the trailer, where only DR lines go' },
    ]);
    expect(problemsOf(() => parseNapasSettlement([NAPAS_HEADER, `XX${DETAIL_1.slice(2)}`, DETAIL_1, trailer].join('\n')))).toEqual([
      { line: 2, field: 'recordType', message: '"XX" is not a record type (HR, DR or TR)' },
    ]);
    expect(problemsOf(() => parseNapasSettlement(`${NAPAS_HEADER} x\n${DETAIL_1}\n${trailer}`))).toEqual([
      { line: 1, field: 'line', message: 'the line has 132 characters, a HR record 130' },
    ]);
    expect(problemsOf(() => parseNapasSettlement(''))).toEqual([
      { line: 1, field: 'recordType', message: '"" is not a record type (HR, DR or TR)' },
      { line: 1, field: 'recordType', message: 'the file has no TR trailer line' },
    ]);
  });

  it('checks the header and trailer fields', () => {
    const header = 'HR               2026023020261125013000'.padEnd(130);
    const trailer = `TR00000000A${'Z'.repeat(32)}`.padEnd(129) + 'x';
    expect(problemsOf(() => parseNapasSettlement([header, DETAIL_1, trailer].join('\n')))).toEqual([
      { line: 1, field: 'merchantCode', message: 'is empty' },
      { line: 1, field: 'fileDate', message: '"20260230" is not a date yyyyMMdd' },
      { line: 3, field: 'recordCount', message: '"00000000A" is not a zero-padded number' },
      { line: 3, field: 'fileChecksum', message: '"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" is not 32 lower-case hex digits' },
      { line: 3, field: 'filler', message: `${JSON.stringify(`${' '.repeat(86)}x`.slice(0, 40) + '…')} should be spaces` },
    ]);
  });
});

describe('parseSettlementFile', () => {
  it('reads each format with its reader', () => {
    expect(parseSettlementFile('csv', CSV_FIXTURE)).toEqual(parseCsvSettlement(CSV_FIXTURE));
    expect(parseSettlementFile('napas', NAPAS_FIXTURE)).toEqual(parseNapasSettlement(NAPAS_FIXTURE));
  });

  it('throws SettlementFileError, never another error, for a broken file or an unknown format', () => {
    expect(() => parseSettlementFile('napas', CSV_FIXTURE)).toThrow(SettlementFileError);
    expect(() => parseSettlementFile('csv', NAPAS_FIXTURE)).toThrow(SettlementFileError);
    expect(() => parseSettlementFile('xlsx' as SettlementFormat, CSV_FIXTURE)).toThrow(SettlementFileError);
  });
});

function line(lineNumber: number, reference: string, amount: number, type: 'PAYMENT' | 'REFUND' = 'PAYMENT', providerTransactionId: string | null = null): SettlementLine {
  return { lineNumber, reference, providerTransactionId, amount, type, occurredAt: null };
}

function entry(paymentId: string, reference: string, amount: number, type: 'PAYMENT' | 'REFUND' = 'PAYMENT', providerTransactionId: string | null = null): LedgerEntry {
  return { paymentId, reference, providerTransactionId, amount, type };
}

describe('reconcile', () => {
  it('sorts lines into matched, missing on either side, amount mismatches and duplicates', () => {
    const result = reconcile(
      [line(2, 'LT1', 100_000, 'PAYMENT', 'T1'), line(3, 'LT2', 250_000), line(4, 'LT9', 70_000, 'PAYMENT', 'T9'), line(5, 'LT1', 100_000, 'PAYMENT', 'T1'), line(6, 'LT3', 30_000)],
      [entry('pay_1', 'LT1', 100_000, 'PAYMENT', 'T1'), entry('pay_2', 'LT2', 200_000), entry('pay_3', 'LT3', 30_000), entry('pay_4', 'LT4', 45_000, 'PAYMENT', 'T4')],
    );
    expect(result).toEqual({
      matched: 2,
      missingInHub: [{ lineNumber: 4, reference: 'LT9', providerTransactionId: 'T9', amount: 70_000, type: 'PAYMENT' }],
      missingAtProvider: [{ paymentId: 'pay_4', reference: 'LT4', providerTransactionId: 'T4', amount: 45_000, type: 'PAYMENT' }],
      amountMismatches: [{ paymentId: 'pay_2', reference: 'LT2', providerTransactionId: null, type: 'PAYMENT', hubAmount: 200_000, providerAmount: 250_000 }],
      duplicatesInFile: [{ lineNumber: 5, reference: 'LT1', type: 'PAYMENT' }],
    });
  });

  it('matches refunds apart from payments under the same reference', () => {
    const result = reconcile([line(2, 'LT1', 100_000, 'REFUND'), line(3, 'LT2', 50_000, 'REFUND')], [entry('pay_1', 'LT1', 100_000, 'PAYMENT'), entry('pay_1', 'LT1', 100_000, 'REFUND'), entry('pay_2', 'LT2', 50_000, 'PAYMENT')]);
    expect(result.matched).toBe(1);
    expect(result.missingInHub).toEqual([{ lineNumber: 3, reference: 'LT2', providerTransactionId: null, amount: 50_000, type: 'REFUND' }]);
    expect(result.missingAtProvider.map((missing) => [missing.paymentId, missing.type])).toEqual([
      ['pay_1', 'PAYMENT'],
      ['pay_2', 'PAYMENT'],
    ]);
    expect(result.duplicatesInFile).toEqual([]);
  });

  it('falls back to the transaction id only when the line has no reference', () => {
    const result = reconcile([line(2, '', 735_000, 'PAYMENT', 'T5'), line(3, 'LT-OTHER', 10_000, 'PAYMENT', 'T6'), line(4, '', 1, 'REFUND', 'T5')], [entry('pay_5', 'LT5', 735_000, 'PAYMENT', 'T5'), entry('pay_6', 'LT6', 10_000, 'PAYMENT', 'T6')]);
    expect(result.matched).toBe(1);
    expect(result.missingInHub.map((missing) => missing.lineNumber)).toEqual([3, 4]);
    expect(result.missingAtProvider.map((missing) => missing.paymentId)).toEqual(['pay_6']);
  });

  it('counts one hub record settled twice, once by reference and once by transaction id, as a duplicate', () => {
    const result = reconcile([line(2, 'LT1', 100, 'PAYMENT', 'T1'), line(3, '', 100, 'PAYMENT', 'T1')], [entry('pay_1', 'LT1', 100, 'PAYMENT', 'T1')]);
    expect(result).toMatchObject({ matched: 1, missingInHub: [], missingAtProvider: [], duplicatesInFile: [{ lineNumber: 3, reference: '', type: 'PAYMENT' }] });
  });

  it('reconciles the Napas fixture against the ledger of that day', () => {
    const { lines } = parseNapasSettlement(NAPAS_FIXTURE);
    const result = reconcile(lines, [
      entry('pay_a', 'LT261124A7K2M9QX4B', 200_000, 'PAYMENT', '2611240000183561'),
      entry('pay_b', 'LT261124B3P8W1ZR6C', 1_250_000),
      entry('pay_d', 'LT261124D5F7J3LV8E', 3_000_000),
      entry('pay_a', 'RF261124E2Q6R8MB1F', 200_000, 'REFUND'),
      entry('pay_g', 'LT261124G4H9K2PD7H', 90_000),
    ]);
    expect(result.matched).toBe(3);
    expect(result.amountMismatches).toEqual([{ paymentId: 'pay_d', reference: 'LT261124D5F7J3LV8E', providerTransactionId: null, type: 'PAYMENT', hubAmount: 3_000_000, providerAmount: 3_500_000 }]);
    expect(result.missingInHub.map((missing) => missing.reference)).toEqual(['LT261124F8G1S5XC3G']);
    expect(result.missingAtProvider.map((missing) => missing.paymentId)).toEqual(['pay_g']);
  });

  it('reconciles a hundred thousand lines with every kind of difference in place', () => {
    const size = 100_000;
    const lines: SettlementLine[] = [];
    const ledger: LedgerEntry[] = [];
    for (let index = 0; index < size; index += 1) {
      const reference = `LT${String(index).padStart(8, '0')}`;
      const type = index % 10 === 0 ? 'REFUND' : 'PAYMENT';
      const amount = 10_000 + index;
      if (index % 1000 !== 1) ledger.push(entry(`pay_${index}`, reference, amount, type, `T${index}`));
      if (index % 1000 !== 2) lines.push(line(lines.length + 2, reference, index % 1000 === 3 ? amount + 1 : amount, type, `T${index}`));
      if (index % 1000 === 4) lines.push(line(lines.length + 2, reference, amount, type, `T${index}`));
    }
    const result = reconcile(lines, ledger);
    expect(result.matched).toBe(size - 3 * 100);
    expect(result.missingInHub).toHaveLength(100);
    expect(result.missingInHub[0]).toMatchObject({ reference: 'LT00000001', type: 'PAYMENT' });
    expect(result.missingAtProvider).toHaveLength(100);
    expect(result.missingAtProvider[0]).toMatchObject({ paymentId: 'pay_2' });
    expect(result.amountMismatches).toHaveLength(100);
    expect(result.amountMismatches[0]).toEqual({ paymentId: 'pay_3', reference: 'LT00000003', providerTransactionId: 'T3', type: 'PAYMENT', hubAmount: 10_003, providerAmount: 10_004 });
    expect(result.duplicatesInFile).toHaveLength(100);
    expect(result.duplicatesInFile[0]).toEqual({ lineNumber: 6, reference: 'LT00000004', type: 'PAYMENT' });
  });
});
