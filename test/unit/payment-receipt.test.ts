import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { amountInWords } from '../../src/payments/receipt/amount-in-words';
import { RECEIPT_FOOTER, type Receipt, formatVnd, renderReceipt } from '../../src/payments/receipt/receipt-pdf';

describe('amountInWords', () => {
  it.each([
    [0, 'Không đồng'],
    [5, 'Năm đồng'],
    [10, 'Mười đồng'],
    [11, 'Mười một đồng'],
    [14, 'Mười bốn đồng'],
    [15, 'Mười lăm đồng'],
    [20, 'Hai mươi đồng'],
    [21, 'Hai mươi mốt đồng'],
    [24, 'Hai mươi bốn đồng'],
    [25, 'Hai mươi lăm đồng'],
    [55, 'Năm mươi lăm đồng'],
    [100, 'Một trăm đồng'],
    [101, 'Một trăm linh một đồng'],
    [105, 'Một trăm linh năm đồng'],
    [110, 'Một trăm mười đồng'],
    [111, 'Một trăm mười một đồng'],
    [115, 'Một trăm mười lăm đồng'],
    [999, 'Chín trăm chín mươi chín đồng'],
    [1_000, 'Một nghìn đồng'],
    [1_005, 'Một nghìn không trăm linh năm đồng'],
    [1_021, 'Một nghìn không trăm hai mươi mốt đồng'],
    [10_500, 'Mười nghìn năm trăm đồng'],
    [150_000, 'Một trăm năm mươi nghìn đồng'],
    [1_000_000, 'Một triệu đồng'],
    [1_000_005, 'Một triệu không trăm linh năm đồng'],
    [1_250_000, 'Một triệu hai trăm năm mươi nghìn đồng'],
    [21_000_000, 'Hai mươi mốt triệu đồng'],
    [1_000_000_000, 'Một tỷ đồng'],
    [2_005_000_015, 'Hai tỷ không trăm linh năm triệu không trăm mười lăm đồng'],
    [15_000_000_000, 'Mười lăm tỷ đồng'],
    [1_000_000_000_000, 'Một nghìn tỷ đồng'],
    [1_234_567_891_011, 'Một nghìn hai trăm ba mươi bốn tỷ năm trăm sáu mươi bảy triệu tám trăm chín mươi mốt nghìn không trăm mười một đồng'],
    [1_000_000_000_000_000, 'Một triệu tỷ đồng'],
  ])('reads %d', (amount, words) => {
    expect(amountInWords(amount)).toBe(words);
  });

  it.each([-1, 1.5, Number.NaN, 1_000_000_000_000_001])('refuses %d', (amount) => {
    expect(() => amountInWords(amount)).toThrow(RangeError);
  });
});

describe('formatVnd', () => {
  it.each([
    [0, '0 đ'],
    [999, '999 đ'],
    [1_000, '1.000 đ'],
    [150_000, '150.000 đ'],
    [2_005_000_015, '2.005.000.015 đ'],
  ])('prints %d as %s', (amount, printed) => {
    expect(formatVnd(amount)).toBe(printed);
  });
});

function receipt(overrides: Partial<Receipt> = {}): Receipt {
  return {
    receiptNumber: 'BL-2026-000123',
    issuedAt: new Date('2026-11-24T02:30:00Z'),
    paymentId: 'pay_01JD6Q7W3X',
    kind: 'FEE',
    description: 'Lệ phí cấp giấy phép xây dựng',
    amount: 150_000,
    refundedAmount: 0,
    paidAt: new Date('2026-11-24T02:17:00Z'),
    provider: { id: 'vnpay', name: 'VNPay' },
    providerTransactionId: 'VNP14422574',
    dossierCode: 'H01.22-241124-0001',
    procedureCode: '1.009994',
    agency: { code: 'H01.22', name: 'Ủy ban nhân dân quận Hoàn Kiếm' },
    payer: { name: 'Nguyễn Văn An', idNumber: '0010******45', address: 'Số 1 phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội' },
    beneficiary: { accountNumber: '7111', bankCode: 'KBNN', accountName: 'Kho bạc Nhà nước Hoàn Kiếm' },
    items: [
      { code: 'LP01', name: 'Lệ phí cấp giấy phép', amount: 100_000 },
      { code: null, name: 'Phí thẩm định hồ sơ', amount: 50_000 },
    ],
    fine: null,
    verifyUrl: 'https://dichvucong.gov.vn/bien-lai/BL-2026-000123?c=8f3a',
    ...overrides,
  };
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipt-test-'));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** Runs a poppler tool on the PDF; the text checks below are the ones that catch a garbled or unembedded font. */
function poppler(tool: 'pdftotext' | 'pdffonts', pdf: Buffer, ...args: string[]): string {
  const file = path.join(workDir, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync(tool, [...args, file, ...(tool === 'pdftotext' ? ['-'] : [])], { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is missing: install poppler-utils (apt-get install -y poppler-utils)`);
    throw error;
  }
}

/** The PDF's text line by line as laid out, with runs of whitespace (column gaps, line breaks) made single spaces. */
function textOf(pdf: Buffer): string {
  return poppler('pdftotext', pdf, '-layout', '-enc', 'UTF-8').normalize('NFC').replace(/\s+/g, ' ');
}

describe('renderReceipt', () => {
  let pdf: Buffer;
  let text: string;

  beforeAll(async () => {
    pdf = await renderReceipt(receipt());
    text = textOf(pdf);
  });

  it('is a PDF whose every font is DejaVu Sans, embedded', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('/FontFile2');
    const fontLines = poppler('pdffonts', pdf)
      .split('\n')
      .slice(2)
      .filter((line) => line.trim() !== '');
    expect(fontLines.length).toBeGreaterThanOrEqual(2);
    for (const line of fontLines) {
      expect(line).toMatch(/\+DejaVuSans(-Bold)?\s+CID TrueType/);
      // Columns after the type and encoding: emb sub uni.
      expect(line).toMatch(/\byes\s+yes\s+yes\s+\d+\s+\d+\s*$/);
    }
  });

  it('prints the Vietnamese text, amounts and references', () => {
    for (const expected of [
      'BIÊN LAI THU TIỀN',
      'Phí, lệ phí',
      'Số: BL-2026-000123',
      'Ngày: 24/11/2026 09:30',
      'Đơn vị thu: Ủy ban nhân dân quận Hoàn Kiếm (H01.22)',
      'Người nộp: Nguyễn Văn An',
      'Số CCCD: 0010******45',
      'Địa chỉ: Số 1 phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội',
      'Mã hồ sơ: H01.22-241124-0001',
      'Thủ tục hành chính: 1.009994',
      'STT Nội dung Số tiền',
      '1 Lệ phí cấp giấy phép (LP01) 100.000 đ',
      '2 Phí thẩm định hồ sơ 50.000 đ',
      'Tổng cộng 150.000 đ',
      'Bằng chữ: Một trăm năm mươi nghìn đồng',
      'Kênh thanh toán: VNPay',
      'Mã giao dịch: VNP14422574',
      'Mã thanh toán: pay_01JD6Q7W3X',
      'Thời gian thanh toán: 24/11/2026 09:17',
      'Tài khoản thụ hưởng: 7111 – Kho bạc Nhà nước Hoàn Kiếm',
      'Ngân hàng thụ hưởng: KBNN',
      'https://dichvucong.gov.vn/bien-lai/BL-2026-000123?c=8f3a',
      RECEIPT_FOOTER,
      'Trang 1/1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Đã hoàn trả');
    expect(text).not.toContain('Quyết định xử phạt');
  });

  it('draws the verify URL as a QR image and a link', () => {
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/Subtype \/Image/);
    expect(raw).toContain('(https://dichvucong.gov.vn/bien-lai/BL-2026-000123?c=8f3a)');
  });

  it('gives the same bytes for the same receipt', async () => {
    expect((await renderReceipt(receipt())).equals(pdf)).toBe(true);
  });

  it('prints a fine, a refund and decomposed Vietnamese as the precomposed text', async () => {
    const fineText = textOf(
      await renderReceipt(
        receipt({
          kind: 'FINE',
          payer: { name: 'Nguyễn Văn An'.normalize('NFD'), idNumber: null, address: null },
          amount: 2_005_000_015,
          refundedAmount: 5_000_000,
          items: [],
          description: 'Nộp phạt vi phạm giao thông',
          providerTransactionId: null,
          fine: { decisionNumber: '123/QĐ-XPHC', decisionDate: '20/11/2026', decidingAgency: 'Công an quận Hoàn Kiếm', treasury: 'Kho bạc Nhà nước Hà Nội' },
        }),
      ),
    );
    for (const expected of [
      'Tiền phạt vi phạm hành chính',
      'Người nộp: Nguyễn Văn An',
      '1 Nộp phạt vi phạm giao thông 2.005.000.015 đ',
      'Tổng cộng 2.005.000.015 đ',
      'Bằng chữ: Hai tỷ không trăm linh năm triệu không trăm mười lăm đồng',
      'Đã hoàn trả: 5.000.000 đ',
      'Số quyết định: 123/QĐ-XPHC',
      'Ngày quyết định: 20/11/2026',
      'Cơ quan ra quyết định: Công an quận Hoàn Kiếm',
      'Kho bạc: Kho bạc Nhà nước Hà Nội',
      'Mã giao dịch: Chưa có',
    ]) {
      expect(fineText).toContain(expected);
    }
    expect(fineText).not.toContain('Số CCCD');
  });

  it('carries a long items table over to the next page, whole rows only', async () => {
    const items = Array.from({ length: 60 }, (_, index) => ({ code: null, name: `Khoản thu số ${index + 1}`, amount: 1_000 }));
    const longText = textOf(await renderReceipt(receipt({ items, amount: 60_000 })));
    items.forEach((item, index) => expect(longText).toContain(`${index + 1} ${item.name} 1.000 đ`));
    expect(longText).toContain('Tổng cộng 60.000 đ');
    expect(longText).toContain('Bằng chữ: Sáu mươi nghìn đồng');
    expect(longText).toMatch(/Trang 1\/([2-9]) .*Trang 2\/\1/);
  });

  it.each([
    ['a fractional amount', { amount: 150_000.5, items: [] }],
    ['items that do not add up to the amount', { amount: 160_000 }],
    ['a refund above the amount', { refundedAmount: 150_001 }],
    ['an unknown kind', { kind: 'BRIBE' as Receipt['kind'] }],
    ['an invalid date', { paidAt: new Date('not a date') }],
    ['a verify URL that is not http(s)', { verifyUrl: 'javascript:alert(1)' }],
    ['an empty payer name', { payer: { name: ' ', idNumber: null, address: null } }],
  ])('refuses %s', async (_, overrides) => {
    await expect(renderReceipt(receipt(overrides))).rejects.toThrow(/cannot be printed/);
  });
});
