import path from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { MAX_AMOUNT_IN_WORDS, amountInWords } from './amount-in-words';

/**
 * The e-receipt (biên lai) of a paid payment, as an A4 PDF in Vietnamese. The hub builds the
 * Receipt from its own records, so a receipt that breaks the rules below is a hub defect and
 * rendering it throws rather than printing a wrong document.
 */
export interface Receipt {
  receiptNumber: string;
  issuedAt: Date;
  paymentId: string;
  kind: ReceiptKind;
  description: string;
  /** Integer VND. */
  amount: number;
  refundedAmount: number;
  paidAt: Date;
  provider: { id: string; name: string };
  providerTransactionId: string | null;
  dossierCode: string | null;
  procedureCode: string | null;
  agency: { code: string; name: string };
  /** idNumber arrives masked: the renderer prints it as given. */
  payer: { name: string; idNumber: string | null; address: string | null };
  beneficiary: { accountNumber: string; bankCode: string; accountName: string };
  /** Fee lines; when present they add up to `amount`. None: the description is the one line. */
  items: { code: string | null; name: string; amount: number }[];
  fine: { decisionNumber: string; decisionDate: string; decidingAgency: string; treasury: string } | null;
  verifyUrl: string;
}

export type ReceiptKind = 'FEE' | 'TAX' | 'FINE' | 'INSURANCE' | 'UTILITY' | 'COURT_FEE' | 'HOSPITAL_FEE' | 'TUITION';

export const RECEIPT_KIND_NAMES: Readonly<Record<ReceiptKind, string>> = {
  FEE: 'Phí, lệ phí',
  TAX: 'Thuế',
  FINE: 'Tiền phạt vi phạm hành chính',
  INSURANCE: 'Bảo hiểm xã hội, bảo hiểm y tế',
  UTILITY: 'Tiền điện, nước',
  COURT_FEE: 'Tạm ứng án phí',
  HOSPITAL_FEE: 'Viện phí',
  TUITION: 'Học phí',
};

export const RECEIPT_FOOTER = 'Biên lai điện tử do hệ thống Liên Thông phát hành';

// Resolved through the package, not a path relative to this file, so the same code finds the
// fonts from the TypeScript sources under jest and from the swc build in dist/.
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = path.join(FONT_DIR, 'DejaVuSans.ttf');
const BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

const MARGIN = 50;
/** Room under the content for the footer line. */
const FOOTER_SPACE = 30;
const LABEL_WIDTH = 150;
const NUMBER_COLUMN_WIDTH = 35;
const AMOUNT_COLUMN_WIDTH = 120;
const CELL_PADDING = 4;
const QR_SIZE = 90;
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

export async function renderReceipt(receipt: Receipt): Promise<Buffer> {
  assertPrintable(receipt);
  const qrPng = await QRCode.toBuffer(receipt.verifyUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: QR_SIZE * 3 });
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_SPACE },
    // The default font would otherwise be Helvetica, which has no Vietnamese glyphs.
    font: REGULAR,
    bufferPages: true,
    lang: 'vi-VN',
    // Fixed dates make the bytes (and pdfkit's file ID, derived from them) repeatable.
    info: { Title: text(`Biên lai ${receipt.receiptNumber}`), Creator: 'Liên Thông', Producer: 'Liên Thông', CreationDate: receipt.issuedAt, ModDate: receipt.issuedAt },
  });
  const bytes = collect(doc);
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const page = new ReceiptPage(doc);

  page.heading(receipt);
  page.section('Đơn vị thu và người nộp');
  page.field('Đơn vị thu', `${receipt.agency.name} (${receipt.agency.code})`);
  page.field('Người nộp', receipt.payer.name);
  if (receipt.payer.idNumber !== null) page.field('Số CCCD', receipt.payer.idNumber);
  if (receipt.payer.address !== null) page.field('Địa chỉ', receipt.payer.address);
  if (receipt.dossierCode !== null) page.field('Mã hồ sơ', receipt.dossierCode);
  if (receipt.procedureCode !== null) page.field('Thủ tục hành chính', receipt.procedureCode);
  page.field('Nội dung thu', receipt.description);

  page.section('Chi tiết khoản thu');
  page.itemsTable(receipt.items.length > 0 ? receipt.items : [{ code: null, name: receipt.description, amount: receipt.amount }], receipt.amount);
  page.field('Bằng chữ', amountInWords(receipt.amount));

  if (receipt.fine !== null) {
    page.section('Quyết định xử phạt');
    page.field('Số quyết định', receipt.fine.decisionNumber);
    page.field('Ngày quyết định', receipt.fine.decisionDate);
    page.field('Cơ quan ra quyết định', receipt.fine.decidingAgency);
    page.field('Kho bạc', receipt.fine.treasury);
  }

  page.section('Thanh toán');
  page.field('Kênh thanh toán', receipt.provider.name);
  page.field('Mã giao dịch', receipt.providerTransactionId ?? 'Chưa có');
  page.field('Mã thanh toán', receipt.paymentId);
  page.field('Thời gian thanh toán', formatVietnamTime(receipt.paidAt));
  if (receipt.refundedAmount > 0) page.field('Đã hoàn trả', formatVnd(receipt.refundedAmount));
  page.field('Tài khoản thụ hưởng', `${receipt.beneficiary.accountNumber} – ${receipt.beneficiary.accountName}`);
  page.field('Ngân hàng thụ hưởng', receipt.beneficiary.bankCode);

  page.section('Tra cứu biên lai');
  page.verification(receipt.verifyUrl, qrPng);
  page.footers();

  doc.end();
  return bytes;
}

/** 150000 → "150.000 đ": dots between thousands, as Vietnamese receipts print money. */
export function formatVnd(amount: number): string {
  return `${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đ`;
}

/** dd/MM/yyyy HH:mm in Asia/Ho_Chi_Minh, which is UTC+7 all year (no DST). */
export function formatVietnamTime(instant: Date): string {
  const local = new Date(instant.getTime() + VIETNAM_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(local.getUTCDate())}/${two(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${two(local.getUTCHours())}:${two(local.getUTCMinutes())}`;
}

function assertPrintable(receipt: Receipt): void {
  const problems: string[] = [];
  const money = (name: string, value: number) => {
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_AMOUNT_IN_WORDS) problems.push(`${name} is not integer VND from 0 to ${MAX_AMOUNT_IN_WORDS}`);
  };
  const filled = (name: string, value: string) => {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${name} is empty`);
  };
  const instant = (name: string, value: Date) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) problems.push(`${name} is not a valid date`);
  };
  if (!Object.hasOwn(RECEIPT_KIND_NAMES, receipt.kind)) problems.push(`kind ${String(receipt.kind)} is unknown`);
  filled('receiptNumber', receipt.receiptNumber);
  filled('paymentId', receipt.paymentId);
  filled('description', receipt.description);
  filled('provider.name', receipt.provider.name);
  filled('agency.name', receipt.agency.name);
  filled('payer.name', receipt.payer.name);
  filled('beneficiary.accountNumber', receipt.beneficiary.accountNumber);
  instant('issuedAt', receipt.issuedAt);
  instant('paidAt', receipt.paidAt);
  money('amount', receipt.amount);
  money('refundedAmount', receipt.refundedAmount);
  if (receipt.refundedAmount > receipt.amount) problems.push('refundedAmount exceeds amount');
  receipt.items.forEach((item, index) => {
    money(`items[${index}].amount`, item.amount);
    filled(`items[${index}].name`, item.name);
  });
  const itemsTotal = receipt.items.reduce((sum, item) => sum + item.amount, 0);
  if (receipt.items.length > 0 && itemsTotal !== receipt.amount) problems.push(`items add up to ${itemsTotal}, not amount ${receipt.amount}`);
  if (!/^https?:\/\//i.test(receipt.verifyUrl) || !URL.canParse(receipt.verifyUrl)) problems.push('verifyUrl is not an http(s) URL');
  if (problems.length > 0) throw new Error(`Receipt ${String(receipt.receiptNumber)} cannot be printed: ${problems.join('; ')}`);
}

/**
 * Text as pdfkit should draw it. NFC: input in decomposed form (base letter + combining
 * marks, as some keyboards and databases send it) would otherwise be drawn mark by mark and
 * extracted from the PDF as text that no longer matches the precomposed original.
 */
function text(value: string): string {
  return value.normalize('NFC');
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Draws the receipt's blocks top to bottom, starting a new page before a block that would not fit. */
class ReceiptPage {
  private readonly left: number;
  private readonly width: number;

  constructor(private readonly doc: PDFKit.PDFDocument) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  heading(receipt: Receipt): void {
    const { doc } = this;
    doc.font('bold').fontSize(16).text('BIÊN LAI THU TIỀN', this.left, doc.y, { width: this.width, align: 'center' });
    doc.font('regular').fontSize(12).text(text(RECEIPT_KIND_NAMES[receipt.kind]), { width: this.width, align: 'center' });
    doc.fontSize(10).text(text(`Số: ${receipt.receiptNumber}    Ngày: ${formatVietnamTime(receipt.issuedAt)}`), { width: this.width, align: 'center' });
    doc.moveDown(0.5);
  }

  section(title: string): void {
    const { doc } = this;
    doc.font('bold').fontSize(11);
    this.makeRoom(doc.currentLineHeight(true) * 3);
    doc.moveDown(0.6);
    doc.text(title, this.left, doc.y, { width: this.width });
    const ruleY = doc.y + 1;
    doc.moveTo(this.left, ruleY).lineTo(this.left + this.width, ruleY).lineWidth(0.5).stroke();
    doc.y = ruleY + 4;
  }

  field(label: string, value: string): void {
    const { doc } = this;
    const valueWidth = this.width - LABEL_WIDTH;
    const shown = text(value);
    doc.fontSize(10);
    const height = Math.max(doc.font('bold').heightOfString(`${label}:`, { width: LABEL_WIDTH }), doc.font('regular').heightOfString(shown, { width: valueWidth }));
    this.makeRoom(height);
    const top = doc.y;
    doc.font('bold').text(`${label}:`, this.left, top, { width: LABEL_WIDTH });
    doc.font('regular').text(shown, this.left + LABEL_WIDTH, top, { width: valueWidth });
    doc.y = top + height + 2;
  }

  itemsTable(items: readonly { code: string | null; name: string; amount: number }[], total: number): void {
    this.doc.fontSize(10);
    this.tableRow('bold', 'STT', 'Nội dung', 'Số tiền');
    items.forEach((item, index) => this.tableRow('regular', String(index + 1), item.code === null ? item.name : `${item.name} (${item.code})`, formatVnd(item.amount)));
    this.tableRow('bold', '', 'Tổng cộng', formatVnd(total));
    this.doc.moveDown(0.4);
  }

  verification(verifyUrl: string, qrPng: Buffer): void {
    const { doc } = this;
    doc.fontSize(10);
    const textWidth = this.width - QR_SIZE - 10;
    const prompt = 'Quét mã QR hoặc mở địa chỉ sau để kiểm tra dữ liệu của biên lai:';
    const height = Math.max(QR_SIZE, doc.font('regular').heightOfString(prompt, { width: textWidth }) + doc.heightOfString(verifyUrl, { width: textWidth }) + 4);
    this.makeRoom(height);
    const top = doc.y;
    doc.image(qrPng, this.left + this.width - QR_SIZE, top, { width: QR_SIZE, height: QR_SIZE });
    doc.text(prompt, this.left, top, { width: textWidth });
    doc.moveDown(0.2);
    doc.fillColor('#1a4f9c').text(verifyUrl, this.left, doc.y, { width: textWidth, link: verifyUrl, underline: true }).fillColor('black');
    doc.y = top + height;
  }

  /** The footer on every page, drawn once all pages exist so "Trang i/n" knows n. */
  footers(): void {
    const { doc } = this;
    const { start, count } = doc.bufferedPageRange();
    for (let index = start; index < start + count; index++) {
      doc.switchToPage(index);
      // Drawing inside the bottom margin would make pdfkit start a new page.
      const bottomMargin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const y = doc.page.height - MARGIN - 12;
      doc.moveTo(this.left, y - 4).lineTo(this.left + this.width, y - 4).lineWidth(0.5).stroke();
      doc.font('regular').fontSize(8);
      doc.text(RECEIPT_FOOTER, this.left, y, { width: this.width, align: 'left', lineBreak: false });
      doc.text(`Trang ${index - start + 1}/${count}`, this.left, y, { width: this.width, align: 'right', lineBreak: false });
      doc.page.margins.bottom = bottomMargin;
    }
  }

  private tableRow(font: 'regular' | 'bold', number: string, content: string, amount: string): void {
    const { doc } = this;
    const contentWidth = this.width - NUMBER_COLUMN_WIDTH - AMOUNT_COLUMN_WIDTH;
    const shown = text(content);
    doc.font(font);
    const height = Math.max(doc.heightOfString(shown, { width: contentWidth - 2 * CELL_PADDING }), doc.heightOfString(amount, { width: AMOUNT_COLUMN_WIDTH - 2 * CELL_PADDING })) + 2 * CELL_PADDING;
    this.makeRoom(height);
    const top = doc.y;
    const columns = [
      { x: this.left, width: NUMBER_COLUMN_WIDTH, value: number, align: 'center' as const },
      { x: this.left + NUMBER_COLUMN_WIDTH, width: contentWidth, value: shown, align: 'left' as const },
      { x: this.left + NUMBER_COLUMN_WIDTH + contentWidth, width: AMOUNT_COLUMN_WIDTH, value: amount, align: 'right' as const },
    ];
    for (const column of columns) {
      doc.rect(column.x, top, column.width, height).lineWidth(0.5).stroke();
      doc.text(column.value, column.x + CELL_PADDING, top + CELL_PADDING, { width: column.width - 2 * CELL_PADDING, align: column.align });
    }
    doc.y = top + height;
  }

  private makeRoom(height: number): void {
    const { doc } = this;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      doc.y = doc.page.margins.top;
    }
  }
}
