import type { DossierEventInput, DossierHeaderInput, DossierResultInput } from '../../../src/dossiers/dossier-model';
import type { CanonicalCommand, InboundItem } from '../onestop-adapter';
import { APPLICANT_TYPE_BY_CODE, CHANNEL_BY_CODE, RESULT_STATUS_CODES, type StatusCode, agencyPartOf, isDossierCode, statusOfCode } from './dvcqg-codes';
import { toVietnamSecond } from './dvcqg-dates';
import { FieldReader, NativeProblem, isRecord } from './dvcqg-fields';
import { type StatusTimeTable, type StatusTimes, statusTime } from './dvcqg-status-time';

/**
 * DongBoHoSoMC and CapNhatTienDoHoSoMC items → canonical dossier commands (domain.md §4 field
 * lists). Strict where a wrong reading would store wrong data (times, codes, amounts, the
 * status); everything else passes through to the canonical validation the hub applies to every
 * command, so a value the canonical API would refuse is refused the same way.
 */

export interface SyncContext {
  /** The message's madonvi, when it names an agency. */
  madonvi: string | undefined;
  /** When the hub received the message. */
  receivedAt: Date;
  statusTimes: StatusTimeTable;
}

type Translate = (item: FieldReader, dossierCode: string, context: SyncContext) => CanonicalCommand[];

/** One item of `data`: its commands, or the first problem found, at its own index. */
function translateItem(raw: unknown, index: number, context: SyncContext, translate: Translate): InboundItem {
  const path = `/data/${index}`;
  if (!isRecord(raw)) return { index, dossierCode: '', commands: [], problem: { path, message: 'must be an object' } };
  const item = new FieldReader(raw, path);
  const sent = raw['MaHoSo'];
  let dossierCode = typeof sent === 'string' || typeof sent === 'number' ? String(sent).trim() : '';
  try {
    dossierCode = item.requiredText('MaHoSo');
    if (!isDossierCode(dossierCode)) {
      throw new NativeProblem(item.pathOf('MaHoSo'), 'must be a dossier code {agency code}-{date}-{counter}, e.g. 000.00.00.H26-261124-0042');
    }
    return { index, dossierCode, commands: translate(item, dossierCode, context) };
  } catch (error) {
    if (!(error instanceof NativeProblem)) throw error;
    return { index, dossierCode, commands: [], problem: { path: error.path, message: error.message } };
  }
}

export const translateDossierItem = (raw: unknown, index: number, context: SyncContext): InboundItem => translateItem(raw, index, context, dossierCommands);
export const translateProgressItem = (raw: unknown, index: number, context: SyncContext): InboundItem => translateItem(raw, index, context, progressCommands);

function readStatusCode(item: FieldReader, name: string): StatusCode {
  const code = item.wholeNumber(name);
  if (code === undefined) throw new NativeProblem(item.pathOf(name), 'is required (a status code 1–10)');
  if (statusOfCode(code) === undefined) throw new NativeProblem(item.pathOf(name), `must be a status code 1–10, not ${code}`);
  return code as StatusCode;
}

/** The agency of a dossier: the code's own agency part (the hub requires the two to match), else madonvi. */
function agencyOf(item: FieldReader, dossierCode: string, madonvi: string | undefined): string {
  const agency = agencyPartOf(dossierCode) ?? madonvi;
  if (agency === undefined) throw new NativeProblem(item.pathOf('MaHoSo'), 'names no agency code and the message has no madonvi');
  return agency;
}

function dossierCommands(item: FieldReader, dossierCode: string, context: SyncContext): CanonicalCommand[] {
  const statusCode = readStatusCode(item, 'TrangThaiHoSo');
  const rounds = supplementRounds(item);
  const latestRound = rounds.reduce<SupplementRound | undefined>((latest, round) => (latest === undefined || round.requestedAt > latest.requestedAt ? round : latest), undefined);
  const times: StatusTimes = {
    NgayTiepNhan: item.time('NgayTiepNhan'),
    NgayKetThucXuLy: item.time('NgayKetThucXuLy'),
    NgayTra: item.time('NgayTra'),
    'DanhSachHoSoBoSung.NgayBoSung': latestRound?.requestedAt,
  };
  const occurredAt = statusTime(context.statusTimes, statusCode, times) ?? toVietnamSecond(context.receivedAt);
  // A dossier submitted online and not yet received has no NgayTiepNhan; its submission stands in.
  const receivedAt = times.NgayTiepNhan ?? (statusCode === 1 ? occurredAt : undefined);
  if (receivedAt === undefined) throw new NativeProblem(item.pathOf('NgayTiepNhan'), 'is required (yyyyMMddHHmmss) once a dossier is received');

  const agencyCode = agencyOf(item, dossierCode, context.madonvi);
  const header = dossierHeader(item, agencyCode, receivedAt);
  const event: DossierEventInput = {
    status: statusOfCode(statusCode)!,
    occurredAt,
    ...(statusCode === 5 && latestRound?.supplement && { supplement: latestRound.supplement }),
  };
  const commands: CanonicalCommand[] = [
    { kind: 'upsert', dossierCode, header },
    { kind: 'event', dossierCode, event },
  ];
  const resultDocuments = item.list('DanhSachGiayToKetQua').map(resultDocument);
  if (RESULT_STATUS_CODES.has(statusCode) && resultDocuments.length > 0) {
    const result: DossierResultInput = {
      // The message says nothing of the outcome; a dossier resolved with result papers was granted.
      outcome: 'GRANTED',
      issuedAt: times.NgayKetThucXuLy ?? occurredAt,
      issuer: { agencyCode },
      documents: resultDocuments,
    };
    commands.push({ kind: 'result', dossierCode, result });
  }
  return commands;
}

function dossierHeader(item: FieldReader, agencyCode: string, receivedAt: string): DossierHeaderInput {
  const documents = item
    .list('TaiLieuNop')
    // A file the sender marked deleted is no longer part of the dossier.
    .filter((document) => document.flag('IsDeleted') !== true)
    .map((document) => ({
      ...optional('code', document.text('MaThanhPhanHoSo')),
      name: document.requiredText('TenTepDinhKem'),
      ...optional('url', document.text('DuongDanTaiTepTin')),
      ...optional('digitized', document.flag('DuocSoHoa')),
      ...optional('reused', document.flag('DuocTaiSuDung')),
    }));
  const fees = item.list('DanhSachLePhi').map((fee) => {
    const amount = fee.wholeNumber('Gia');
    if (amount === undefined) throw new NativeProblem(fee.pathOf('Gia'), 'is required (whole VND)');
    // HinhThucThu (how a fee is collected) is not mapped to paidOnline: its values are not public.
    return { ...optional('code', fee.text('MaPhiLePhi')), name: fee.requiredText('TenPhiLePhi'), amount };
  });
  return {
    agencyCode,
    procedureCode: item.requiredText('MaTTHC'),
    ...optional('procedureName', item.text('TenTTHC')),
    ...optional('sectorCode', item.text('MaLinhVuc')),
    channel: item.requiredCode('KenhThucHien', CHANNEL_BY_CODE),
    applicant: {
      type: item.requiredCode('LoaiDoiTuong', APPLICANT_TYPE_BY_CODE),
      name: item.requiredText('ChuHoSo'),
      ...optional('idNumber', item.text('SoGiayToChuHoSo')),
      ...optional('phone', item.text('SoDienThoai')),
      ...optional('email', item.text('Email')),
    },
    ...optional('summary', item.text('TrichYeuHoSo')),
    receivedAt,
    ...optional('dueAt', item.time('NgayHenTra')),
    ...(documents.length > 0 && { documents }),
    ...(fees.length > 0 && { fees }),
  };
}

/** Result papers synced this way carry no hash and no media type: recorded as unknown. */
function resultDocument(document: FieldReader): DossierResultInput['documents'][number] {
  return {
    name: document.requiredText('TenGiayTo'),
    mediaType: null,
    sha256: null,
    ...optional('url', document.text('DuongDanTepTinKetQua')),
    ...optional('resultCode', document.text('MaGiayToKetQua')),
  };
}

interface SupplementRound {
  requestedAt: string;
  supplement: DossierEventInput['supplement'];
}

/** DanhSachHoSoBoSung rounds that say when they were asked for (NgayBoSung). */
function supplementRounds(item: FieldReader): SupplementRound[] {
  return item.list('DanhSachHoSoBoSung').flatMap((round) => {
    const requestedAt = round.time('NgayBoSung');
    const completedAt = round.time('NgayTiepNhanBoSung');
    const reason = round.text('NoiDungBoSung');
    if (requestedAt === undefined) return [];
    return [{ requestedAt, supplement: reason === undefined ? undefined : { reason, requestedAt, ...optional('completedAt', completedAt) } }];
  });
}

function progressCommands(item: FieldReader, dossierCode: string): CanonicalCommand[] {
  const statusCode = readStatusCode(item, 'TrangThai');
  const occurredAt = item.time('ThoiDiemXuLy');
  // A step is defined by its time: stamping it with the receive time would misorder catch-up batches.
  if (occurredAt === undefined) throw new NativeProblem(item.pathOf('ThoiDiemXuLy'), 'is required (yyyyMMddHHmmss)');
  const officer = item.text('NguoiXuLy');
  const event: DossierEventInput = {
    status: statusOfCode(statusCode)!,
    occurredAt,
    ...(officer !== undefined && {
      actor: { name: officer, ...optional('title', item.text('ChucDanh')), ...optional('unit', item.text('PhongBanXuLy')) },
    }),
    ...optional('note', item.text('NoiDungXuLy')),
  };
  return [{ kind: 'event', dossierCode, event }];
}

/** `{[name]: value}` when the value is present, else nothing (canonical inputs omit absent fields). */
export function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
