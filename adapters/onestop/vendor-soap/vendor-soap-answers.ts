import { APPLICANT_TYPE_BY_CODE, CHANNEL_BY_CODE, codeOf, codeOfStatus } from '../dvcqg/dvcqg-codes';
import type { DossierView, ItemOutcome, NativeAnswer, OneStopAdapter } from '../onestop-adapter';
import { toXsDateTime } from './vendor-soap-dates';
import { OUTCOME_BY_CODE, RETURN_METHOD_BY_CODE } from './vendor-soap-sync';
import { SOAP_CONTENT_TYPE, type XmlElement, XmlReader, XmlProblem, isElement, readSoapEnvelope, soapEnvelope } from './vendor-soap-xml';

/**
 * The vendor's answers: `<KetQua xmlns="urn:motcua:v2"><MaLoi>0</MaLoi><MoTa>...</MoTa>...`
 * for a message it handled (MaLoi 0 when every item was accepted, 1 when some were refused,
 * each refused one listed in DanhSachLoi with its canonical code), and a SOAP 1.1 Fault for
 * a message refused as a whole.
 */
export const MOTCUA_NS = 'urn:motcua:v2';

type RefusalCode = Parameters<OneStopAdapter['answerRefusal']>[0];

const soap = (status: number, body: XmlElement): NativeAnswer => ({ status, contentType: SOAP_CONTENT_TYPE, body: soapEnvelope(body) });
const ketQua = (content: XmlElement): XmlElement => ({ KetQua: { '@_xmlns': MOTCUA_NS, ...content } });

export function answerSync(outcomes: readonly ItemOutcome[]): NativeAnswer {
  const refused = outcomes.filter((outcome) => outcome.status >= 400);
  if (refused.length === 0) return soap(200, ketQua({ MaLoi: 0, MoTa: `${outcomes.length} item(s) accepted` }));
  return soap(
    200,
    ketQua({
      MaLoi: 1,
      MoTa: `${refused.length} of ${outcomes.length} item(s) refused`,
      DanhSachLoi: {
        Loi: refused.map((outcome) => ({
          // 1-based, like the XPath positions (HoSo[3]) the problems name.
          ViTri: outcome.index + 1,
          MaHoSo: outcome.dossierCode,
          MaLoi: outcome.code ?? 'REFUSED',
          MoTa: outcome.detail ?? outcome.code ?? `refused (${outcome.status})`,
        })),
      },
    }),
  );
}

export function answerLookup(dossiers: readonly DossierView[], asked: readonly string[]): NativeAnswer {
  return soap(200, ketQua({ MaLoi: 0, MoTa: `${dossiers.length} of ${asked.length} dossier(s) found`, DanhSachHoSo: { HoSo: dossiers.map(toHoSo) } }));
}

/** SOAP 1.1 sends every fault with HTTP 500 (§6.2); faultcode says whose fault it is. */
export function answerRefusal(code: RefusalCode, message: string): NativeAnswer {
  return soap(500, {
    'soap:Fault': {
      faultcode: code === 'RETRY_LATER' ? 'soap:Server' : 'soap:Client',
      faultstring: message,
      detail: { Loi: { '@_xmlns': MOTCUA_NS, MaLoi: code } },
    },
  });
}

/** The receiving system took a pushed DongBoHoSo only when it answers 2xx with KetQua/MaLoi 0. */
export function readSubmissionAnswer(status: number, body: string): { accepted: boolean; reason?: string } {
  const envelope = readSoapEnvelope(body);
  if (!envelope.ok) return { accepted: false, reason: `HTTP ${status}: ${envelope.message}` };
  const answer = new XmlReader(envelope.body, `/${envelope.operation}`);
  try {
    if (envelope.operation === 'Fault') return { accepted: false, reason: `HTTP ${status}, SOAP fault: ${answer.text('faultstring') ?? answer.text('faultcode') ?? ''}` };
    if (envelope.operation !== 'KetQua') return { accepted: false, reason: `HTTP ${status}: the answer is ${envelope.operation}, not KetQua` };
    const errorCode = answer.text('MaLoi');
    if (status >= 200 && status < 300 && errorCode === '0') return { accepted: true };
    return { accepted: false, reason: `HTTP ${status}, MaLoi ${errorCode ?? '(none)'}: ${answer.text('MoTa') ?? ''}` };
  } catch (error) {
    if (!(error instanceof XmlProblem)) throw error;
    return { accepted: false, reason: `HTTP ${status}: ${error.path} ${error.message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// A canonical dossier (schemas/dossier.ts `Dossier`) as a <HoSo>.

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isElement) : []);
const time = (value: unknown): string | undefined => text(toXsDateTime(value));
const flag = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
const wrapped = (name: string, items: XmlElement[]): XmlElement | undefined => (items.length === 0 ? undefined : { [name]: items });

export function toHoSo(dossier: DossierView): XmlElement {
  const applicant = isElement(dossier['applicant']) ? dossier['applicant'] : {};
  const status = typeof dossier['status'] === 'string' ? dossier['status'] : undefined;
  return {
    MaHoSo: dossier.dossierCode,
    MaThuTuc: text(dossier['procedureCode']),
    TenThuTuc: text(dossier['procedureName']),
    MaLinhVuc: text(dossier['sectorCode']),
    KenhThucHien: codeOf(CHANNEL_BY_CODE, dossier['channel']),
    NguoiNop: {
      HoTen: text(applicant['name']),
      LoaiDoiTuong: codeOf(APPLICANT_TYPE_BY_CODE, applicant['type']),
      SoGiayTo: text(applicant['idNumber']),
      DienThoai: text(applicant['phone']),
      Email: text(applicant['email']),
    },
    TrichYeu: text(dossier['summary']),
    NgayTiepNhan: time(dossier['receivedAt']),
    NgayHenTra: time(dossier['dueAt']),
    TrangThai: status === undefined ? undefined : codeOfStatus(status),
    ThoiDiemTrangThai: time(status === undefined ? undefined : latestAppliedTime(dossier['timeline'], status)),
    GiayToNop: wrapped(
      'GiayTo',
      records(dossier['documents']).map((document) => ({
        MaThanhPhan: text(document['code']),
        TenGiayTo: text(document['name']),
        MaBam: text(document['sha256']),
        DuongDan: text(document['url']),
        DaSoHoa: flag(document['digitized']),
        TaiSuDung: flag(document['reused']),
      })),
    ),
    LePhi: wrapped(
      'KhoanPhi',
      records(dossier['fees']).map((fee) => ({
        MaPhi: text(fee['code']),
        TenPhi: text(fee['name']),
        SoTien: typeof fee['amount'] === 'number' ? fee['amount'] : undefined,
        ThanhToanTrucTuyen: flag(fee['paidOnline']),
      })),
    ),
    KetQuaGiaiQuyet: isElement(dossier['result']) ? toKetQuaGiaiQuyet(dossier['result']) : undefined,
  };
}

function toKetQuaGiaiQuyet(result: Record<string, unknown>): XmlElement {
  const issuer = isElement(result['issuer']) ? result['issuer'] : {};
  return {
    KetLuan: codeOf(OUTCOME_BY_CODE, result['outcome']),
    SoQuyetDinh: text(result['decisionNumber']),
    NgayBanHanh: time(result['issuedAt']),
    NguoiKy: text(issuer['signerName']),
    ChucVuNguoiKy: text(issuer['signerTitle']),
    HinhThucTra: codeOf(RETURN_METHOD_BY_CODE, result['returnMethod']),
    GhiChu: text(result['note']),
    DanhSachTep: wrapped(
      'Tep',
      records(result['documents']).map((file) => ({
        TenTep: text(file['name']),
        LoaiTep: text(file['mediaType']),
        MaBam: text(file['sha256']),
        DuongDan: text(file['url']),
        KichThuoc: typeof file['size'] === 'number' ? file['size'] : undefined,
        MaKetQua: text(file['resultCode']),
      })),
    ),
  };
}

function latestAppliedTime(timeline: unknown, status: string): string | undefined {
  return records(timeline)
    .filter((entry) => entry['status'] === status && entry['applied'] !== false && typeof entry['occurredAt'] === 'string')
    .map((entry) => entry['occurredAt'] as string)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1);
}
