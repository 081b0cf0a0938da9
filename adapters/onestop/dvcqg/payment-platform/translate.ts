import Ajv, { type ErrorObject } from 'ajv';
import { isIP } from 'node:net';
import { AGENCY_CODE_PATTERN, DOSSIER_CODE } from '../../../../schemas/common';
import {
  type ConfirmMessage,
  type GetBillMessage,
  type InitAnswer,
  type InitMessage,
  MESSAGE_VERSION,
  type QueryAnswer,
  type QueryMessage,
  type QueryRefusal,
  type TrangThaiGD,
} from './messages';
import { fromPortalTime as portalTimeText, toPortalTime } from '../dvcqg-dates';
import { confirmMaXacThuc, sameMaXacThuc } from './signature';

/**
 * Pure translation between the portal payment platform's 1.0.6 messages and the hub's
 * canonical payments: read and validate what a one-stop system sends, map an INIT onto the
 * canonical create-payment body, and write the platform-style answers and the Confirm
 * message. No state, no I/O: the caller looks payments up, checks the partner and MaXacThuc
 * (signature.ts), and sends.
 */

/** The canonical `POST /v1/payments` body and its vocabulary (src/payments/payment-model.ts; schemas/payments.ts NewPayment). */
export type { PaymentKind, PaymentRequest as CanonicalPaymentRequest } from '../../../../src/payments/payment-model';
import type { PaymentKind, PaymentRequest as CanonicalPaymentRequest, PaymentStatus as HubPaymentStatus } from '../../../../src/payments/payment-model';

export type { HubPaymentStatus };

/**
 * The parts of the protocol that are not public, as settings with documented defaults (a
 * party may override them once the platform's specification is known):
 * - `serviceKinds`, MaDichVu → payment kind. Public clients only ever send 2 for fees and
 *   charges (the TD client's default, OpenCPS's "thu phi le phi = 2"), and OpenCPS pairs 1
 *   with the fine fields (SoQD, NgayQD, KhoBac...). The numbered list of payment groups in
 *   domain.md ((1) fees ... (6) court fees) is an enumeration of the portal's offer, not these
 *   codes; following it would make the one code every client sends, 2, a tax. So the default
 *   table holds only the two codes with evidence; any other MaDichVu is refused until a party
 *   declares it.
 * - `confirmMessageType`, the Confirm message's LoaiBanTin: no public sample; receivers echo
 *   it into their MaXacThuc check and use it for nothing else.
 * - `confirmFailureCode`, the Confirm's MaLoi for a failed payment: receivers test MaLoi
 *   against "00" only.
 */
export interface PaymentPlatformRules {
  serviceKinds: Readonly<Record<string, PaymentKind>>;
  confirmMessageType: string;
  confirmFailureCode: string;
}

export const DEFAULT_PAYMENT_PLATFORM_RULES: PaymentPlatformRules = Object.freeze({
  serviceKinds: Object.freeze({ '1': 'FINE', '2': 'FEE' } as const),
  confirmMessageType: 'CONFIRM',
  confirmFailureCode: '99',
});

// ---------------------------------------------------------------------------------------------
// Times: yyyyMMddHHmmss in Asia/Ho_Chi_Minh (UTC+7, no daylight saving).

/** An instant as the portal writes it (Vietnam's wall clock, to the second): the portal format's own (dvcqg-dates.ts). */
export { toPortalTime };

/** The instant a portal time names, or undefined when it is not a real time (30 February, 24:00...). */
export function fromPortalTime(text: string): Date | undefined {
  const rfc3339 = portalTimeText(text);
  return rfc3339 === undefined ? undefined : new Date(rfc3339);
}

const PORTAL_DATE = /^(\d{4})(\d{2})(\d{2})$/;

/** yyyyMMdd → YYYY-MM-DD, or undefined when it is not a real date. */
function isoDate(text: string): string | undefined {
  const parts = PORTAL_DATE.exec(text);
  if (!parts || !fromPortalTime(`${text}000000`)) return undefined;
  return `${parts[1]}-${parts[2]}-${parts[3]}`;
}

// ---------------------------------------------------------------------------------------------
// Reading messages.

export interface MessageProblem {
  /** JSON pointer into the message, e.g. `/ThongTinBienLai/PhiLePhi/0/SoTien`. */
  path: string;
  message: string;
}

export type PortalMessageReading =
  | { ok: true; message: InitMessage | QueryMessage | GetBillMessage }
  | { ok: false; problems: MessageProblem[] };

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
ajv.addFormat('portal-time', { type: 'string', validate: (text: string) => fromPortalTime(text) !== undefined });
ajv.addFormat('portal-date-or-blank', { type: 'string', validate: (text: string) => text === '' || isoDate(text) !== undefined });
ajv.addFormat('ip', { type: 'string', validate: (text: string) => isIP(text) !== 0 });

/** Schemas whose `description` is the problem message: ajv's own ("must match pattern ^[1-9]...") helps nobody. */
const AMOUNT = {
  type: ['string', 'integer'],
  pattern: '^[1-9][0-9]{0,14}$',
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'must be a positive whole number of VND (digits, no leading zero, or a JSON integer)',
};
const TIME = { type: 'string', format: 'portal-time', description: 'must be a real time written yyyyMMddHHmmss (Asia/Ho_Chi_Minh)' };
const MA_XAC_THUC = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'must be 64 hexadecimal characters (SHA-256)' };
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
const optionalText = (maxLength: number) => ({ type: ['string', 'null'], maxLength });
/**
 * Signed fields next to one another must not contain the `|` that joins them: otherwise a `|`
 * could be moved across a field boundary and the MaXacThuc would still match.
 */
const SIGNED_CODE = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '^[^|]*$', description: 'must be 1 to ' + maxLength + ' characters without "|"' });
const OPTIONAL_SIGNED_CODE = (maxLength: number) => ({ ...SIGNED_CODE(maxLength), type: ['string', 'null'], minLength: 0 });
/** Codes some clients send as JSON numbers (OpenCPS: MaDichVu, LoaiPhiLePhi, MaPhiLePhi). */
const CODE = (maxLength: number) => ({ type: ['string', 'integer', 'null'], maxLength });
const blankOr = (anchored: string) => `^(?:${anchored.slice(1, -1)})?$`;

const phiLePhi = {
  type: 'object',
  additionalProperties: false,
  required: ['TenPhiLePhi', 'SoTien'],
  properties: { LoaiPhiLePhi: CODE(20), MaPhiLePhi: CODE(64), TenPhiLePhi: text(300), SoTien: AMOUNT },
};

const khoanNop = {
  type: 'object',
  additionalProperties: false,
  properties: { NoiDung: optionalText(500), SoTien: { type: ['string', 'integer', 'null'], maxLength: 20 } },
};

const thongTinBienLai = {
  type: 'object',
  additionalProperties: false,
  required: ['MaDichVu', 'MaDonVi', 'TKThuHuong', 'MaNHThuHuong', 'TenTKThuHuong', 'HoTenNguoiNop', 'PhiLePhi'],
  properties: {
    MaDichVu: { type: ['string', 'integer'], pattern: '^[0-9]{1,3}$', minimum: 0, maximum: 999, description: 'must be a payment group number' },
    MaDVC: optionalText(64),
    TenDVC: optionalText(500),
    MaTTHC: optionalText(64),
    TenTTHC: optionalText(500),
    MaDonVi: { type: 'string', maxLength: 35, pattern: AGENCY_CODE_PATTERN, description: 'must be an agency code such as 000.00.00.H26' },
    TenDonVi: optionalText(300),
    MaHoSo: { type: ['string', 'null'], maxLength: DOSSIER_CODE.maxLength, pattern: blankOr(DOSSIER_CODE.pattern), description: 'must be a dossier code such as 000.00.00.H26-261124-0042' },
    TKThuHuong: { type: 'string', pattern: '^[0-9A-Za-z]{4,34}$', description: 'must be an account number of 4 to 34 letters or digits' },
    MaNHThuHuong: text(20),
    TenTKThuHuong: text(200),
    MaLoaiHinhThuPhat: optionalText(64),
    TenLoaiHinhThuPhat: optionalText(300),
    MaCoQuanQD: optionalText(200),
    TenCoQuanQD: optionalText(300),
    KhoBac: optionalText(200),
    NgayQD: { type: ['string', 'null'], format: 'portal-date-or-blank', description: 'must be a real date written yyyyMMdd' },
    SoQD: optionalText(64),
    ThoiGianViPham: optionalText(50),
    DiaDiemViPham: optionalText(500),
    TenNguoiViPham: optionalText(200),
    TaiKhoanThuNSNN: optionalText(50),
    NoiDungThanhToan: optionalText(500),
    HoTenNguoiNop: text(200),
    SoCMNDNguoiNop: { type: ['string', 'null'], pattern: '^([0-9A-Za-z]{6,20})?$', description: 'must be an identity number of 6 to 20 letters or digits' },
    DiaChiNguoiNop: optionalText(500),
    HuyenNguoiNop: optionalText(200),
    TinhNguoiNop: optionalText(200),
    PhiLePhi: { type: 'array', minItems: 1, maxItems: 100, items: phiLePhi },
    DSKhoanNop: { type: ['array', 'null'], maxItems: 100, items: khoanNop },
  },
};

const validateInit = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'SoTien', 'LoaiHinhThanhToan', 'MaTienTe', 'ThongTinGiaoDich', 'ThoiGianGD', 'Ip', 'MaXacThuc', 'ThongTinBienLai'],
  properties: {
    LoaiBanTin: { const: 'INIT' },
    PhienBan: { const: MESSAGE_VERSION },
    MaDoiTac: SIGNED_CODE(50),
    MaThamChieu: SIGNED_CODE(255),
    SoTien: AMOUNT,
    LoaiHinhThanhToan: { const: 'PAY' },
    MaKenhThanhToan: OPTIONAL_SIGNED_CODE(20),
    MaThietBi: OPTIONAL_SIGNED_CODE(20),
    NgonNgu: { type: ['string', 'null'], pattern: '^((vi|VI|en|EN)([-_][A-Za-z]{2})?)?$', description: 'must be vi, vi-VN, en or en-US' },
    MaTienTe: { const: 'VND' },
    MaNganHang: OPTIONAL_SIGNED_CODE(20),
    // The canonical description's limit; MaNganHang and ThoiGianGD around it cannot hold a "|", so this one may.
    ThongTinGiaoDich: text(500),
    ThoiGianGD: TIME,
    Ip: { type: 'string', format: 'ip', description: 'must be an IPv4 or IPv6 address' },
    MaXacThuc: MA_XAC_THUC,
    ThongTinBienLai: thongTinBienLai,
  },
});

const validateLookup = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'ThoiGianGD', 'MaXacThuc'],
  properties: {
    LoaiBanTin: { enum: ['QUERY', 'GET_BILL'] },
    PhienBan: { const: MESSAGE_VERSION },
    MaDoiTac: SIGNED_CODE(50),
    MaThamChieu: SIGNED_CODE(255),
    // Some clients format it with a 12-hour clock (`hh`): it is a lookup key, never a clock to trust.
    ThoiGianGD: TIME,
    MaXacThuc: MA_XAC_THUC,
  },
});

const MESSAGE_TYPES = ['INIT', 'QUERY', 'GET_BILL'];

/**
 * Reads an INIT, QUERY or GET_BILL as parsed from JSON: every problem with the JSON pointer of
 * the field at fault, or the message normalised (amounts as numbers, numeric codes as strings,
 * nulls dropped). Checks shape and consistency only; the caller checks MaDoiTac against the
 * party and MaXacThuc with verifyMaXacThuc. Never throws.
 */
export function readPortalMessage(body: unknown, rules: PaymentPlatformRules = DEFAULT_PAYMENT_PLATFORM_RULES): PortalMessageReading {
  if (!isRecord(body)) return { ok: false, problems: [{ path: '', message: 'must be a JSON object' }] };
  const type = body['LoaiBanTin'];
  if (typeof type !== 'string' || !MESSAGE_TYPES.includes(type)) {
    return { ok: false, problems: [{ path: '/LoaiBanTin', message: `must be one of ${MESSAGE_TYPES.map((t) => JSON.stringify(t)).join(', ')}` }] };
  }
  const validate = type === 'INIT' ? validateInit : validateLookup;
  if (!validate(body)) return { ok: false, problems: schemaProblems(validate.errors ?? []) };
  const message = withoutNulls(body) as Record<string, unknown>;
  if (type !== 'INIT') return { ok: true, message: message as unknown as QueryMessage | GetBillMessage };

  const init = normaliseInit(message);
  const problems = initConsistencyProblems(init, rules);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, message: init };
}

function normaliseInit(message: Record<string, unknown>): InitMessage {
  const init = message as unknown as InitMessage;
  const bienLai = init.ThongTinBienLai;
  return {
    ...init,
    SoTien: Number(init.SoTien),
    ThongTinBienLai: {
      ...bienLai,
      MaDichVu: String(bienLai.MaDichVu),
      PhiLePhi: bienLai.PhiLePhi.map((line) => ({
        ...line,
        ...(line.LoaiPhiLePhi !== undefined && { LoaiPhiLePhi: String(line.LoaiPhiLePhi) }),
        ...(line.MaPhiLePhi !== undefined && { MaPhiLePhi: String(line.MaPhiLePhi) }),
        SoTien: Number(line.SoTien),
      })),
    },
  };
}

const FINE_FIELDS = ['SoQD', 'NgayQD', 'MaCoQuanQD', 'KhoBac'] as const;

function initConsistencyProblems(init: InitMessage, rules: PaymentPlatformRules): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const bienLai = init.ThongTinBienLai;
  const kind = rules.serviceKinds[bienLai.MaDichVu];
  if (!kind) {
    const known = Object.keys(rules.serviceKinds).map((code) => `${JSON.stringify(code)} (${rules.serviceKinds[code]})`);
    problems.push({ path: '/ThongTinBienLai/MaDichVu', message: `must be one of ${known.join(', ')}` });
  }
  if (kind === 'FINE') {
    for (const field of FINE_FIELDS) {
      if (!present(bienLai[field])) problems.push({ path: `/ThongTinBienLai/${field}`, message: `is required for a fine (MaDichVu ${bienLai.MaDichVu})` });
    }
  }
  const linesTotal = bienLai.PhiLePhi.reduce((sum, line) => sum + line.SoTien, 0);
  if (linesTotal !== init.SoTien) {
    problems.push({ path: '/SoTien', message: `must equal the sum of ThongTinBienLai.PhiLePhi[].SoTien (${linesTotal})` });
  }
  return problems;
}

function schemaProblems(errors: readonly ErrorObject[]): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const { path, message } = problemOf(error);
    // A field failing several keywords (type and pattern of an amount) is one problem.
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, message });
  }
  return problems;
}

function problemOf(error: ErrorObject): MessageProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return { path: `${error.instancePath}/${String(params['missingProperty'])}`, message: 'is required' };
  if (error.keyword === 'additionalProperties') {
    return { path: `${error.instancePath}/${String(params['additionalProperty'])}`, message: `is not a field of the ${MESSAGE_VERSION} message` };
  }
  if (error.keyword === 'const') return { path: error.instancePath, message: `must be ${JSON.stringify(params['allowedValue'])}` };
  if (error.keyword === 'enum') {
    return { path: error.instancePath, message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  }
  const description = (error.parentSchema as { description?: unknown } | undefined)?.description;
  const describesValue = typeof description === 'string' && !['minItems', 'maxItems', 'maxLength', 'minLength'].includes(error.keyword);
  return { path: error.instancePath, message: describesValue ? description : (error.message ?? 'is invalid') };
}

// ---------------------------------------------------------------------------------------------
// INIT → canonical payment.

export interface CanonicalInit {
  request: CanonicalPaymentRequest;
  /** MaThamChieu: the agency's reference, by which QUERY, GET_BILL and the Confirm name this payment. */
  externalReference: string;
  clientIp: string;
  locale: 'vi' | 'en';
  /** A bank the citizen chose at the agency, in the portal's bank codes; undefined for "PAYMENT" (choose at the payment page). */
  bankCode: string | undefined;
  /** MaKenhThanhToan as sent ("1" from every public client; its other values are not public). */
  channel: string;
}

/** The value of MaNganHang that leaves the choice of bank to the payment page. */
const ANY_BANK = 'PAYMENT';

/**
 * Maps an INIT that readPortalMessage accepted (with the same rules) onto the canonical
 * create-payment body. The 1.0.6 message has no return URL: the caller supplies the one the
 * citizen's browser goes back to.
 */
export function toCanonicalPayment(init: InitMessage, returnUrl: string, rules: PaymentPlatformRules = DEFAULT_PAYMENT_PLATFORM_RULES): CanonicalInit {
  const bienLai = init.ThongTinBienLai;
  const kind = rules.serviceKinds[bienLai.MaDichVu];
  if (!kind) throw new Error(`MaDichVu ${bienLai.MaDichVu} is not in the rules the message was read with`);
  const fine = kind === 'FINE' ? fineOf(bienLai) : undefined;
  const request: CanonicalPaymentRequest = {
    agencyCode: bienLai.MaDonVi,
    ...optional('dossierCode', bienLai.MaHoSo),
    ...optional('procedureCode', bienLai.MaTTHC),
    kind,
    payer: {
      name: bienLai.HoTenNguoiNop,
      ...optional('idNumber', bienLai.SoCMNDNguoiNop),
      ...optional('address', bienLai.DiaChiNguoiNop),
    },
    items: bienLai.PhiLePhi.map((line) => ({ ...optional('code', line.MaPhiLePhi), name: line.TenPhiLePhi, amount: line.SoTien })),
    amount: init.SoTien,
    currency: 'VND',
    beneficiary: { accountNumber: bienLai.TKThuHuong, bankCode: bienLai.MaNHThuHuong, accountName: bienLai.TenTKThuHuong },
    description: init.ThongTinGiaoDich,
    returnUrl,
    ...(fine && { fine }),
  };
  const bankCode = present(init.MaNganHang) && init.MaNganHang !== ANY_BANK ? init.MaNganHang : undefined;
  return {
    request,
    externalReference: init.MaThamChieu,
    clientIp: init.Ip,
    locale: init.NgonNgu?.toLowerCase().startsWith('en') ? 'en' : 'vi',
    bankCode,
    channel: init.MaKenhThanhToan ?? '',
  };
}

function fineOf(bienLai: InitMessage['ThongTinBienLai']): CanonicalPaymentRequest['fine'] {
  const decisionDate = isoDate(bienLai.NgayQD ?? '');
  if (!present(bienLai.SoQD) || !decisionDate || !present(bienLai.MaCoQuanQD) || !present(bienLai.KhoBac)) {
    throw new Error('a fine without its decision fields: read the message with readPortalMessage first');
  }
  return { decisionNumber: bienLai.SoQD, decisionDate, decidingAgency: bienLai.MaCoQuanQD, treasury: bienLai.KhoBac };
}

// ---------------------------------------------------------------------------------------------
// Answers in the platform's style.

export function initAnswer(paymentUrl: string): InitAnswer {
  return { error_code: '0', message: JSON.stringify({ UrlThanhToan: paymentUrl }) };
}

export type PortalRefusal = 'INVALID_SIGNATURE' | 'MALFORMED' | 'PARTNER_MISMATCH' | 'UNKNOWN_REFERENCE' | 'DUPLICATE_REFERENCE' | 'NOT_PAID' | 'RETRY_LATER';

/**
 * The hub's refusal codes, in error_code (INIT, GET_BILL) or MaLoi (QUERY). The platform's own
 * codes are not public and public clients test only for success ("0" / "00"), so these are
 * the hub's, kept stable and distinct from both.
 */
export const PORTAL_REFUSALS: Readonly<Record<PortalRefusal, { code: string; text: string }>> = {
  INVALID_SIGNATURE: { code: '01', text: 'Mã xác thực không hợp lệ' },
  MALFORMED: { code: '02', text: 'Bản tin không hợp lệ' },
  PARTNER_MISMATCH: { code: '03', text: 'Mã đối tác không khớp với tài khoản kết nối' },
  UNKNOWN_REFERENCE: { code: '04', text: 'Không tìm thấy giao dịch với mã tham chiếu này' },
  DUPLICATE_REFERENCE: { code: '05', text: 'Mã tham chiếu đã được dùng cho một giao dịch khác' },
  NOT_PAID: { code: '06', text: 'Giao dịch chưa được thanh toán thành công' },
  RETRY_LATER: { code: '09', text: 'Hệ thống đang bận, vui lòng thử lại sau' },
};

/** A refused INIT or GET_BILL. `detail` is shown to the agency's staff: never put a secret in it. */
export function errorAnswer(refusal: PortalRefusal, detail?: string): InitAnswer {
  const { code, text } = PORTAL_REFUSALS[refusal];
  return { error_code: code, message: detail ? `${text}: ${detail}` : text };
}

/** A refused QUERY, in the flat shape of its answer. */
export function queryRefusal(refusal: PortalRefusal, detail?: string): QueryRefusal {
  const { code, text } = PORTAL_REFUSALS[refusal];
  return { MaLoi: code, MoTaLoi: detail ? `${text}: ${detail}` : text };
}

/** Problems as one line for a MALFORMED answer: `/SoTien must ...; /ThongTinBienLai/MaDonVi is required`. */
export function describeProblems(problems: readonly MessageProblem[]): string {
  return problems.map((problem) => `${problem.path || '/'} ${problem.message}`).join('; ');
}

/** TrangThaiGD for each hub status: only a final outcome is 1 or 4; a refunded payment was paid. */
export const TRANG_THAI_GD: Readonly<Record<HubPaymentStatus, TrangThaiGD>> = {
  CREATED: '3',
  PENDING: '3',
  PAID: '1',
  PARTIALLY_REFUNDED: '1',
  REFUNDED: '1',
  FAILED: '4',
  EXPIRED: '4',
  CANCELLED: '4',
};

export interface PaymentView {
  status: HubPaymentStatus;
  amount: number;
  providerTransactionId: string | undefined;
  bankCode: string | undefined;
  /** When it was paid; undefined until then. */
  paidAt: Date | undefined;
  description: string;
}

/**
 * The answer to a QUERY the caller found the payment for. MaLoi "00" says the query was
 * answered; TrangThaiGD says how the payment stands. ThoiGianGD is the payment time once paid,
 * otherwise the query's own. Signed like the Confirm, whose fields it repeats.
 */
export function queryAnswer(query: QueryMessage, payment: PaymentView, secret: string): QueryAnswer {
  const unsigned = {
    LoaiBanTin: 'QUERY' as const,
    MaLoi: '00',
    MoTaLoi: '',
    MaDoiTac: query.MaDoiTac,
    MaThamChieu: query.MaThamChieu,
    SoTien: payment.amount,
    MaTienTe: 'VND' as const,
    MaGiaoDich: payment.providerTransactionId ?? '',
    MaNganHang: payment.bankCode ?? '',
    ThoiGianGD: payment.paidAt ? toPortalTime(payment.paidAt) : query.ThoiGianGD,
    ThongTinGiaoDich: payment.description,
    TrangThaiGD: TRANG_THAI_GD[payment.status],
  };
  return { ...unsigned, MaXacThuc: confirmMaXacThuc(unsigned, secret) };
}

// ---------------------------------------------------------------------------------------------
// The Confirm message to the agency, and its echo.

export interface SettledPayment {
  /** MaThamChieu of the INIT. */
  externalReference: string;
  amount: number;
  providerTransactionId: string | undefined;
  bankCode: string | undefined;
  /** When the payment was settled (paid, or found failed). */
  paidAt: Date;
  description: string;
  succeeded: boolean;
}

export interface PaymentPlatformPartner {
  partnerCode: string;
  secret: string;
}

export function confirmMessage(payment: SettledPayment, partner: PaymentPlatformPartner, rules: PaymentPlatformRules = DEFAULT_PAYMENT_PLATFORM_RULES): ConfirmMessage {
  const unsigned = {
    LoaiBanTin: rules.confirmMessageType,
    MaLoi: payment.succeeded ? '00' : rules.confirmFailureCode,
    MaDoiTac: partner.partnerCode,
    MaThamChieu: payment.externalReference,
    SoTien: payment.amount,
    MaTienTe: 'VND' as const,
    MaGiaoDich: payment.providerTransactionId ?? '',
    MaNganHang: payment.bankCode ?? '',
    ThoiGianGD: toPortalTime(payment.paidAt),
    ThongTinGiaoDich: payment.description,
  };
  return { ...unsigned, MaXacThuc: confirmMaXacThuc(unsigned, partner.secret) };
}

export type ConfirmEchoReading = { acknowledged: true } | { acknowledged: false; reason: string };

const ECHOED_FIELDS = ['MaLoi', 'MaDoiTac', 'ThoiGianGD'] as const;

/**
 * Whether the agency took the Confirm: its answer echoes MaLoi, MaDoiTac, ThoiGianGD and the
 * MaXacThuc it was sent (the public receiver returns `request.MaXacThuc` after checking it,
 * and fails with HTTP 500 when the check fails). Field names are read case-insensitively:
 * that receiver is ASP.NET Core, whose default JSON output is camelCase (`maLoi`). Accepts the
 * parsed body or its text. Never throws.
 */
export function readConfirmEcho(body: unknown, sent: ConfirmMessage): ConfirmEchoReading {
  const echo = caseInsensitive(typeof body === 'string' ? parseJson(body) : body);
  if (!echo) return { acknowledged: false, reason: 'the answer is not a JSON object' };
  for (const field of ECHOED_FIELDS) {
    const value = echo.get(field.toLowerCase());
    if (value !== sent[field]) return { acknowledged: false, reason: `${field} is ${JSON.stringify(value)}, ${JSON.stringify(sent[field])} was sent` };
  }
  const echoedMac = echo.get('maxacthuc');
  if (typeof echoedMac !== 'string' || !sameMaXacThuc(echoedMac, sent.MaXacThuc)) {
    return { acknowledged: false, reason: 'MaXacThuc is not the one sent' };
  }
  return { acknowledged: true };
}

// ---------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null).map(([name, field]) => [name, withoutNulls(field)]));
}

/** Clients send "" for what they do not have. */
function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** `{name: value}` when the portal field holds something, `{}` otherwise: canonical bodies omit what is unknown. */
function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return present(value) ? ({ [name]: value } as Record<K, string>) : {};
}

function caseInsensitive(value: unknown): Map<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  return new Map(Object.entries(value).map(([name, field]) => [name.toLowerCase(), field]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
