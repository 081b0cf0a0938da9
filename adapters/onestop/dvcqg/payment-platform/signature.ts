import { createHash, timingSafeEqual } from 'node:crypto';
import type { ConfirmMessage, PortalMessage } from './messages';

/**
 * MaXacThuc, the payment platform's message authentication: SHA-256, lower-case hex, of the
 * message's fields in a fixed order joined by `|`, then `|secret` (domain.md §5; lower-case as
 * the public client's `ToString("x2")` writes it). It is a keyed plain hash, not an HMAC: that
 * is the protocol, not a choice.
 */

export const INIT_SIGNED_FIELDS = [
  'LoaiBanTin',
  'PhienBan',
  'MaDoiTac',
  'MaThamChieu',
  'SoTien',
  'LoaiHinhThanhToan',
  'MaKenhThanhToan',
  'MaThietBi',
  'NgonNgu',
  'MaTienTe',
  'MaNganHang',
  'ThongTinGiaoDich',
  'ThoiGianGD',
  'Ip',
] as const;

/** QUERY and GET_BILL. */
export const LOOKUP_SIGNED_FIELDS = ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'ThoiGianGD'] as const;

/** The Confirm message, and the QUERY answer that repeats its fields. */
export const CONFIRM_SIGNED_FIELDS = [
  'LoaiBanTin',
  'MaLoi',
  'MaDoiTac',
  'MaThamChieu',
  'SoTien',
  'MaTienTe',
  'MaGiaoDich',
  'MaNganHang',
  'ThoiGianGD',
  'ThongTinGiaoDich',
] as const;

export function maXacThuc(fields: readonly string[], secret: string): string {
  return createHash('sha256').update([...fields, secret].join('|'), 'utf8').digest('hex');
}

/** The field values to sign, in order; a missing optional field signs as the empty string, as .NET's interpolation of null does. */
export function signedValues(message: object, order: readonly string[]): string[] {
  const values = message as Record<string, unknown>;
  return order.map((name) => {
    const value = values[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

/** For the Confirm message and the QUERY answer (which repeats the Confirm's fields). */
export function confirmMaXacThuc(message: Omit<ConfirmMessage, 'MaXacThuc'>, secret: string): string {
  return maXacThuc(signedValues(message, CONFIRM_SIGNED_FIELDS), secret);
}

/** Whether an INIT, QUERY or GET_BILL carries the MaXacThuc of the party's secret. */
export function verifyMaXacThuc(message: PortalMessage, secret: string): boolean {
  const order = message.LoaiBanTin === 'INIT' ? INIT_SIGNED_FIELDS : LOOKUP_SIGNED_FIELDS;
  return sameMaXacThuc(message.MaXacThuc, maXacThuc(signedValues(message, order), secret));
}

/**
 * Constant-time comparison of two MaXacThuc. Hex case carries no information, so a client that
 * writes upper-case hex is not refused for it.
 */
export function sameMaXacThuc(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
