import type { StatusCode } from './dvcqg-codes';

/**
 * When a status synced by DongBoHoSoMC happened. The message carries the dossier's current
 * status without a time of its own, but some of its dated fields are the time of a status
 * (api-contract.md, Portal-compatible endpoints). No public specification says which field
 * dates which status, so the table is a setting; the default below follows what the public
 * senders put in each field (OpenCPS `DVCQGIntegrationActionImpl`: NgayTiepNhan = receive
 * date, NgayKetThucXuLy = release date, NgayTra = finish date; DanhSachHoSoBoSung rounds carry
 * NgayBoSung, the day a supplement was asked for). A status without a source, or whose field
 * is empty, takes the time the hub received the message, truncated to the second.
 */
export type StatusTimeSource =
  | 'NgayTiepNhan'
  | 'NgayKetThucXuLy'
  | 'NgayTra'
  /** The latest supplement round's request date (DanhSachHoSoBoSung[].NgayBoSung). */
  | 'DanhSachHoSoBoSung.NgayBoSung';

export type StatusTimeTable = Readonly<Partial<Record<StatusCode, StatusTimeSource>>>;

export const DEFAULT_STATUS_TIME_TABLE: StatusTimeTable = Object.freeze({
  // SUBMITTED: an online dossier's NgayTiepNhan is when the portal took it in.
  1: 'NgayTiepNhan',
  2: 'NgayTiepNhan',
  3: 'NgayKetThucXuLy',
  // 4 PROCESSING, 6 PAYMENT_REQUESTED, 7 WITHDRAWAL_REQUESTED: no field dates them.
  5: 'DanhSachHoSoBoSung.NgayBoSung',
  8: 'NgayKetThucXuLy',
  9: 'NgayKetThucXuLy',
  10: 'NgayTra',
});

/** The dated fields of one DongBoHoSoMC item, already read as RFC 3339. */
export type StatusTimes = Readonly<Partial<Record<StatusTimeSource, string>>>;

export function statusTime(table: StatusTimeTable, code: StatusCode, times: StatusTimes): string | undefined {
  const source = table[code];
  return source === undefined ? undefined : times[source];
}
