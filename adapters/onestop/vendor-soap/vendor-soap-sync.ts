import type { DossierEventInput, DossierHeaderInput, DossierResultInput } from '../../../src/dossiers/dossier-model';
import { APPLICANT_TYPE_BY_CODE, CHANNEL_BY_CODE, agencyPartOf, isDossierCode, statusOfCode } from '../dvcqg/dvcqg-codes';
import type { CanonicalCommand, InboundItem } from '../onestop-adapter';
import { toVietnamSecond } from './vendor-soap-dates';
import { XmlProblem, XmlReader } from './vendor-soap-xml';

/**
 * `<HoSo>` and `<TienDo>` elements → canonical dossier commands. The vendor's format carries
 * what the portal's does not (a status time, a sequence, hashes and media types of result
 * files, the outcome), so nothing here is inferred; values the canonical API checks itself
 * (lengths, patterns, e-mail) pass through to that same validation.
 */

export interface SyncContext {
  /** `<MaDonVi>` when it names an agency. */
  agencyCode: string | undefined;
  receivedAt: Date;
}

export const OUTCOME_BY_CODE: Readonly<Record<string, DossierResultInput['outcome']>> = Object.freeze({ '1': 'GRANTED', '2': 'REFUSED' });
export const RETURN_METHOD_BY_CODE: Readonly<Record<string, NonNullable<DossierResultInput['returnMethod']>>> = Object.freeze({
  '1': 'IN_PERSON',
  '2': 'POSTAL',
  '3': 'ELECTRONIC',
});

type Translate = (element: XmlReader, dossierCode: string, context: SyncContext) => CanonicalCommand[];

function translateItem(element: XmlReader, index: number, context: SyncContext, translate: Translate): InboundItem {
  let dossierCode = '';
  try {
    dossierCode = element.requiredText('MaHoSo');
    if (!isDossierCode(dossierCode)) {
      throw new XmlProblem(element.pathOf('MaHoSo'), 'must be a dossier code {agency code}-{date}-{counter}, e.g. 000.00.00.H26-261124-0042');
    }
    return { index, dossierCode, commands: translate(element, dossierCode, context) };
  } catch (error) {
    if (!(error instanceof XmlProblem)) throw error;
    return { index, dossierCode, commands: [], problem: { path: error.path, message: error.message } };
  }
}

export const translateHoSo = (element: XmlReader, index: number, context: SyncContext): InboundItem => translateItem(element, index, context, dossierCommands);
export const translateTienDo = (element: XmlReader, index: number, context: SyncContext): InboundItem => translateItem(element, index, context, progressCommands);

function readStatus(element: XmlReader): NonNullable<ReturnType<typeof statusOfCode>> {
  const code = element.wholeNumber('TrangThai');
  if (code === undefined) throw new XmlProblem(element.pathOf('TrangThai'), 'is required (a status code 1–10)');
  const status = statusOfCode(code);
  if (status === undefined) throw new XmlProblem(element.pathOf('TrangThai'), `must be a status code 1–10, not ${code}`);
  return status;
}

function dossierCommands(element: XmlReader, dossierCode: string, context: SyncContext): CanonicalCommand[] {
  const status = readStatus(element);
  const occurredAt = element.time('ThoiDiemTrangThai') ?? toVietnamSecond(context.receivedAt);
  // A dossier submitted online and not yet received has no NgayTiepNhan; its submission stands in.
  const receivedAt = element.time('NgayTiepNhan') ?? (status === 'SUBMITTED' ? occurredAt : undefined);
  if (receivedAt === undefined) throw new XmlProblem(element.pathOf('NgayTiepNhan'), 'is required once a dossier is received');
  const agencyCode = agencyPartOf(dossierCode) ?? context.agencyCode;
  if (agencyCode === undefined) throw new XmlProblem(element.pathOf('MaHoSo'), 'names no agency code and the message has no MaDonVi');

  const event: DossierEventInput = { status, occurredAt, ...optional('sequence', element.wholeNumber('ThuTu')) };
  const commands: CanonicalCommand[] = [
    { kind: 'upsert', dossierCode, header: dossierHeader(element, agencyCode, receivedAt) },
    { kind: 'event', dossierCode, event },
  ];
  const decision = element.child('KetQuaGiaiQuyet');
  if (decision) commands.push({ kind: 'result', dossierCode, result: dossierResult(decision, agencyCode) });
  return commands;
}

function dossierHeader(element: XmlReader, agencyCode: string, receivedAt: string): DossierHeaderInput {
  const applicant = element.child('NguoiNop');
  if (!applicant) throw new XmlProblem(element.pathOf('NguoiNop'), 'is required');
  const documents = element.list('GiayToNop', 'GiayTo').map((document) => ({
    ...optional('code', document.text('MaThanhPhan')),
    name: document.requiredText('TenGiayTo'),
    ...optional('sha256', document.text('MaBam')),
    ...optional('url', document.text('DuongDan')),
    ...optional('digitized', document.flag('DaSoHoa')),
    ...optional('reused', document.flag('TaiSuDung')),
  }));
  const fees = element.list('LePhi', 'KhoanPhi').map((fee) => {
    const amount = fee.wholeNumber('SoTien');
    if (amount === undefined) throw new XmlProblem(fee.pathOf('SoTien'), 'is required (whole VND)');
    return { ...optional('code', fee.text('MaPhi')), name: fee.requiredText('TenPhi'), amount, ...optional('paidOnline', fee.flag('ThanhToanTrucTuyen')) };
  });
  return {
    agencyCode,
    procedureCode: element.requiredText('MaThuTuc'),
    ...optional('procedureName', element.text('TenThuTuc')),
    ...optional('sectorCode', element.text('MaLinhVuc')),
    channel: element.requiredCode('KenhThucHien', CHANNEL_BY_CODE),
    applicant: {
      type: applicant.requiredCode('LoaiDoiTuong', APPLICANT_TYPE_BY_CODE),
      name: applicant.requiredText('HoTen'),
      ...optional('idNumber', applicant.text('SoGiayTo')),
      ...optional('phone', applicant.text('DienThoai')),
      ...optional('email', applicant.text('Email')),
    },
    ...optional('summary', element.text('TrichYeu')),
    receivedAt,
    ...optional('dueAt', element.time('NgayHenTra')),
    ...(documents.length > 0 && { documents }),
    ...(fees.length > 0 && { fees }),
  };
}

function dossierResult(decision: XmlReader, agencyCode: string): DossierResultInput {
  return {
    outcome: decision.requiredCode('KetLuan', OUTCOME_BY_CODE),
    ...optional('decisionNumber', decision.text('SoQuyetDinh')),
    issuedAt: decision.requiredTime('NgayBanHanh'),
    issuer: { agencyCode, ...optional('signerName', decision.text('NguoiKy')), ...optional('signerTitle', decision.text('ChucVuNguoiKy')) },
    documents: decision.list('DanhSachTep', 'Tep').map((file) => ({
      name: file.requiredText('TenTep'),
      // A vendor that kept no hash or type says so by leaving them out: recorded as unknown.
      mediaType: file.text('LoaiTep') ?? null,
      sha256: file.text('MaBam') ?? null,
      ...optional('url', file.text('DuongDan')),
      ...optional('size', file.wholeNumber('KichThuoc')),
      ...optional('resultCode', file.text('MaKetQua')),
    })),
    ...optional('returnMethod', decision.code('HinhThucTra', RETURN_METHOD_BY_CODE)),
    ...optional('note', decision.text('GhiChu')),
  };
}

function progressCommands(element: XmlReader, dossierCode: string): CanonicalCommand[] {
  const status = readStatus(element);
  const officer = element.child('CanBo');
  const supplement = element.child('YeuCauBoSung');
  const event: DossierEventInput = {
    status,
    // A step is defined by its time: stamping it with the receive time would misorder catch-up batches.
    occurredAt: element.requiredTime('ThoiDiem'),
    ...optional('sequence', element.wholeNumber('ThuTu')),
    ...(officer && {
      actor: { name: officer.requiredText('HoTen'), ...optional('title', officer.text('ChucVu')), ...optional('unit', officer.text('PhongBan')) },
    }),
    ...optional('note', element.text('NoiDung')),
    ...optional('dueAt', element.time('HanTraMoi')),
    ...(supplement && {
      supplement: {
        reason: supplement.requiredText('LyDo'),
        ...optional('requestedAt', supplement.time('NgayYeuCau')),
        ...optional('completedAt', supplement.time('NgayHoanThanh')),
      },
    }),
  };
  return [{ kind: 'event', dossierCode, event }];
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
