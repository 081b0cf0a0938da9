import type { DossierView } from '../onestop-adapter';
import { APPLICANT_TYPE_BY_CODE, CHANNEL_BY_CODE, codeOf, codeOfStatus } from './dvcqg-codes';
import { portalTimeOf } from './dvcqg-dates';
import { isRecord } from './dvcqg-fields';

/**
 * A canonical dossier (the Dossier resource: schemas/dossier.ts `Dossier`) in DongBoHoSoMC's
 * field names, as TraCuuHoSo answers it and as a pushed submission carries it. Times go back to
 * yyyyMMddHHmmss, codes are JSON numbers (readers accept both), and absent values are written
 * the way the portal's senders write them: '' and [].
 */
export interface HoSoMC {
  MaHoSo: string;
  MaTTHC: string;
  TenTTHC: string;
  MaLinhVuc: string;
  KenhThucHien: number | '';
  ChuHoSo: string;
  LoaiDoiTuong: number | '';
  SoGiayToChuHoSo: string;
  Email: string;
  SoDienThoai: string;
  TrichYeuHoSo: string;
  NgayTiepNhan: string;
  NgayHenTra: string;
  TrangThaiHoSo: number | '';
  /** The end of processing (the first of REJECTED, STOPPED, RESOLVED, RESULT_RETURNED). */
  NgayKetThucXuLy: string;
  /** When the result was handed over (RESULT_RETURNED). */
  NgayTra: string;
  TaiLieuNop: { MaThanhPhanHoSo: string; TenTepDinhKem: string; DuongDanTaiTepTin: string; DuocSoHoa: number | ''; DuocTaiSuDung: number | '' }[];
  DanhSachLePhi: { MaPhiLePhi: string; TenPhiLePhi: string; Gia: number }[];
  DanhSachGiayToKetQua: { TenGiayTo: string; MaGiayToKetQua: string; DuongDanTepTinKetQua: string }[];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const flag = (value: unknown): number | '' => (typeof value === 'boolean' ? Number(value) : '');
const numericCode = (code: string | undefined): number | '' => (code === undefined ? '' : Number(code));

export function toHoSoMC(dossier: DossierView): HoSoMC {
  const applicant = isRecord(dossier['applicant']) ? dossier['applicant'] : {};
  const result = isRecord(dossier['result']) ? dossier['result'] : {};
  const status = typeof dossier['status'] === 'string' ? codeOfStatus(dossier['status']) : undefined;
  return {
    MaHoSo: dossier.dossierCode,
    MaTTHC: text(dossier['procedureCode']),
    TenTTHC: text(dossier['procedureName']),
    MaLinhVuc: text(dossier['sectorCode']),
    KenhThucHien: numericCode(codeOf(CHANNEL_BY_CODE, dossier['channel'])),
    ChuHoSo: text(applicant['name']),
    LoaiDoiTuong: numericCode(codeOf(APPLICANT_TYPE_BY_CODE, applicant['type'])),
    SoGiayToChuHoSo: text(applicant['idNumber']),
    Email: text(applicant['email']),
    SoDienThoai: text(applicant['phone']),
    TrichYeuHoSo: text(dossier['summary']),
    NgayTiepNhan: portalTimeOf(dossier['receivedAt']),
    NgayHenTra: portalTimeOf(dossier['dueAt']),
    TrangThaiHoSo: status ?? '',
    NgayKetThucXuLy: portalTimeOf(dossier['finishedAt']),
    NgayTra: portalTimeOf(latestAppliedTime(dossier['timeline'], 'RESULT_RETURNED')),
    TaiLieuNop: records(dossier['documents']).map((document) => ({
      MaThanhPhanHoSo: text(document['code']),
      TenTepDinhKem: text(document['name']),
      DuongDanTaiTepTin: text(document['url']),
      DuocSoHoa: flag(document['digitized']),
      DuocTaiSuDung: flag(document['reused']),
    })),
    DanhSachLePhi: records(dossier['fees']).map((fee) => ({
      MaPhiLePhi: text(fee['code']),
      TenPhiLePhi: text(fee['name']),
      Gia: typeof fee['amount'] === 'number' ? fee['amount'] : 0,
    })),
    DanhSachGiayToKetQua: records(result['documents']).map((document) => ({
      TenGiayTo: text(document['name']),
      MaGiayToKetQua: text(document['resultCode']),
      DuongDanTepTinKetQua: text(document['url']),
    })),
  };
}

/** The time of the latest applied timeline entry with that status, if any. */
function latestAppliedTime(timeline: unknown, status: string): string | undefined {
  const times = records(timeline)
    .filter((entry) => entry['status'] === status && entry['applied'] !== false && typeof entry['occurredAt'] === 'string')
    .map((entry) => entry['occurredAt'] as string)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return times.at(-1);
}
