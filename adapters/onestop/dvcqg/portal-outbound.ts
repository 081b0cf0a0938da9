import { isRfc3339 } from '../../../src/time';
import { APPLICANT_TYPE_BY_CODE, CHANNEL_BY_CODE, codeOf, codeOfStatus } from './dvcqg-codes';
import { toPortalTime } from './dvcqg-dates';
import { isRecord } from './dvcqg-fields';

/**
 * What the hub sends to the national portal (DVCQG) in the portal's own format (domain.md §4),
 * built from the hub's dossier events: a login, then `DongBoHoSoMC` calls (each dossier's header,
 * current status and, once it is RESOLVED / RESULT_RETURNED, its result documents) and
 * `CapNhatTienDoHoSoMC` calls (one processing step per status change). Pure and stateless: the
 * sync worker decides when to call, keeps the session and remembers which dossiers the portal
 * has confirmed; this module only says what to send and what the portal's answer means.
 *
 * No integration specification of the portal is public. The field names, the string-typed
 * values, `isUpdating`, the date format and the chunks of 10 are what public one-stop systems
 * send (OpenCPS `DVCQGIntegrationActionImpl.java`, Thanh Hóa `SyncLocalDataToDVCQGService.cs`);
 * everything those sources do not show (paths, how the portal says "session expired", per-dossier
 * answers, how many dossiers one call may carry) is a rule in PortalRules, not a guess in code.
 */

export const DOSSIER_SERVICE = 'DongBoHoSoMC';
export const PROGRESS_SERVICE = 'CapNhatTienDoHoSoMC';
export type PortalService = typeof DOSSIER_SERVICE | typeof PROGRESS_SERVICE;

export interface PortalRules {
  /** Login and integration paths under the portal's base URL: per deployment (OpenCPS keeps them as `auth_endpoint`, `integration_endpoint`). */
  authPath: string;
  integrationPath: string;
  /** Dossiers per DongBoHoSoMC call: the portal's limit is not published. */
  dossiersPerCall: number;
  /** Processing steps per CapNhatTienDoHoSoMC call: public senders use chunks of 10. */
  progressPerCall: number;
  /** Codes (error_code, as text) and message wording that mean the session is no longer valid. The portal's own are not published. */
  sessionExpiredCodes: readonly string[];
  sessionExpiredMessage: RegExp;
  /** Wording of a refusal because the dossier already exists (a create that must be an update): the Thanh Hóa client matches "đã tồn tại". */
  alreadyExistsMessage: RegExp;
  /** Wording of a refusal because the portal does not know the dossier (an update or a step that needs a create first). */
  notFoundMessage: RegExp;
  /** NguoiXuLy of a step whose event names no actor: the portal's progress needs a handler name (public clients fill in a generic one). */
  anonymousHandler: string;
}

export const DEFAULT_PORTAL_RULES: PortalRules = Object.freeze({
  authPath: '/auth',
  integrationPath: '/integration',
  dossiersPerCall: 10,
  progressPerCall: 10,
  sessionExpiredCodes: Object.freeze([]) as readonly string[],
  sessionExpiredMessage: /session|phiên (làm việc|đăng nhập)/i,
  alreadyExistsMessage: /đã tồn tại|already exists/i,
  notFoundMessage: /(không|chưa) tồn tại|not found|does not exist/i,
  anonymousHandler: 'Cán bộ một cửa',
});

// ---------------------------------------------------------------------------------------------
// Login.

export interface PortalCredentials {
  username: string;
  password: string;
  /** The exchange-platform address the login goes to (`VN:GOV:000.00.00.G22:vpcpdvcprovider` on the national platform), sent as header `dstcode`. */
  dstcode?: string;
}

export interface PortalRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function loginRequest(credentials: PortalCredentials, rules: PortalRules = DEFAULT_PORTAL_RULES): PortalRequest {
  return {
    path: rules.authPath,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(credentials.dstcode ? { dstcode: credentials.dstcode } : {}) },
    body: JSON.stringify({ username: credentials.username, password: credentials.password }),
  };
}

export type LoginAnswer = { ok: true; session: string } | { ok: false; retry: boolean; reason: string };

/** `status` 0 stands for no answer at all (timeout, connection refused). Never throws. */
export function readLoginAnswer(status: number, body: string): LoginAnswer {
  if (isTransient(status)) return { ok: false, retry: true, reason: status === 0 ? 'the portal did not answer' : `the portal answered HTTP ${status}` };
  const answer = readJsonObject(body);
  if (!answer) return { ok: false, retry: status < 200 || status >= 300, reason: `unreadable login answer (HTTP ${status})` };
  const session = answer.session;
  if (isSuccessCode(answer.error_code) && typeof session === 'string' && session.trim() !== '') return { ok: true, session };
  return { ok: false, retry: false, reason: `login refused: ${describe(answer, status)}` };
}

// ---------------------------------------------------------------------------------------------
// From hub events to portal calls.

/** A hub event as the outbox, Kafka or the feed carry it (CloudEvents structured JSON). */
export interface HubDossierEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export const UPSERTED = 'vn.gov.dvc.dossier.upserted.v1';
export const STATUS_CHANGED = 'vn.gov.dvc.dossier.status_changed.v1';
export const RESULT_SYNCED = 'vn.gov.dvc.dossier.result_synced.v1';

/** The latest `data` of each kind the worker already has for a dossier, for what a batch of events lacks (a status change alone carries no header). */
export interface DossierBaseline {
  header?: Record<string, unknown>;
  status?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

export interface SyncContext {
  session: string;
  /** The portal account's unit code (`madonvi`). */
  agencyCode: string;
  /** Whether the portal has already confirmed this dossier: an update ("True") rather than a create ("False"). */
  known: (dossierCode: string) => boolean;
  baseline?: (dossierCode: string) => DossierBaseline | undefined;
}

/** One call to the integration endpoint. `dossierCodes`: the MaHoSo of each item of `body.data`, in order. */
export interface PortalCall {
  service: PortalService;
  path: string;
  headers: Record<string, string>;
  body: PortalCallBody;
  dossierCodes: string[];
}

export interface PortalCallBody {
  session: string;
  madonvi: string;
  service: PortalService;
  isUpdating?: 'True' | 'False';
  data: Record<string, unknown>[];
}

export interface SyncPlan {
  /** To send in this order, each after the previous one's answer. */
  calls: PortalCall[];
  /** Dossiers that cannot be sent yet (no header or no status known): none of their events were used. */
  held: { dossierCode: string; reason: string }[];
  /** Events that are not dossier events the portal takes, or whose data is unusable. */
  ignored: { eventId: string; reason: string }[];
}

type Channel = 'DIRECT' | 'ONLINE' | 'POSTAL';
/** The portal's own wording of each TrangThaiHoSo, for a step that carries no note. */
const STATUS_LABELS = [
  'Mới đăng ký',
  'Được tiếp nhận',
  'Không được tiếp nhận',
  'Đang xử lý',
  'Yêu cầu bổ sung giấy tờ',
  'Yêu cầu thực hiện nghĩa vụ tài chính',
  'Công dân yêu cầu rút hồ sơ',
  'Dừng xử lý',
  'Đã xử lý xong',
  'Đã trả kết quả',
] as const;
const REJECTED = 3;
const STOPPED = 8;
const RESOLVED = 9;
const RESULT_RETURNED = 10;
const FINISHING = new Set([REJECTED, STOPPED, RESOLVED, RESULT_RETURNED]);

interface Applicant {
  type: string;
  name: string;
  idNumber?: string;
  phone?: string;
  email?: string;
}

interface Header {
  procedureCode: string;
  procedureName?: string;
  sectorCode?: string;
  channel: Channel;
  applicant: Applicant;
  summary?: string;
  receivedAt: Date;
  dueAt?: Date;
  documents: { code?: string; name: string; url?: string; digitized?: boolean; reused?: boolean }[];
  fees: { code?: string; name: string; amount: number; paidOnline?: boolean }[];
}

interface StatusChange {
  statusCode: number;
  occurredAt: Date;
  actor?: { name?: string; title?: string; unit?: string };
  note?: string;
  dueAt?: Date;
}

interface Result {
  returnMethod?: string;
  documents: { name: string; url?: string; resultCode?: string; sha256?: string }[];
}

/** One dossier's state as the batch (over its baseline) leaves it. */
interface DossierFold {
  code: string;
  header?: Header;
  status?: StatusChange;
  /** First finishing status seen: 9 counts before 10 (domain.md §8). */
  finishedAt?: Date;
  returnedAt?: Date;
  dueAt?: Date;
  result?: Result;
  steps: StatusChange[];
}

type Reading<T> = { ok: true; value: T } | { ok: false; reason: string };

export function syncMessages(events: readonly HubDossierEvent[], context: SyncContext, rules: PortalRules = DEFAULT_PORTAL_RULES): SyncPlan {
  const folds = new Map<string, DossierFold>();
  const ignored: SyncPlan['ignored'] = [];
  const foldFor = (code: string): DossierFold => {
    let fold = folds.get(code);
    if (!fold) {
      fold = { code, steps: [] };
      const baseline = context.baseline?.(code);
      if (baseline) applyBaseline(fold, baseline);
      folds.set(code, fold);
    }
    return fold;
  };

  for (const event of events) {
    const eventId = typeof event?.id === 'string' ? event.id : '(no id)';
    const data = event?.data;
    const code = isRecord(data) ? text(data.dossierCode) : undefined;
    if (!isRecord(data) || !code) {
      ignored.push({ eventId, reason: 'no data.dossierCode' });
      continue;
    }
    const problem = applyEvent(foldFor, code, event.type, data);
    if (problem) ignored.push({ eventId, reason: problem });
  }

  const held: SyncPlan['held'] = [];
  const creates: Record<string, unknown>[] = [];
  const updates: Record<string, unknown>[] = [];
  const steps: Record<string, unknown>[] = [];
  for (const fold of folds.values()) {
    if (!fold.header || !fold.status) {
      held.push({ dossierCode: fold.code, reason: fold.header ? 'no status yet: the portal takes a dossier only with its TrangThaiHoSo' : 'no header known: a DongBoHoSoMC item needs it' });
      continue;
    }
    (context.known(fold.code) ? updates : creates).push(dossierItem(fold, fold.header, fold.status));
    for (const step of fold.steps) steps.push(progressItem(fold.code, step, rules));
  }

  const call = (service: PortalService, data: Record<string, unknown>[], isUpdating?: 'True' | 'False'): PortalCall => ({
    service,
    path: rules.integrationPath,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: { session: context.session, madonvi: context.agencyCode, service, ...(isUpdating ? { isUpdating } : {}), data },
    dossierCodes: data.map((item) => item.MaHoSo as string),
  });
  // A dossier's DongBoHoSoMC goes before its steps: the portal takes steps only for a dossier it has.
  const calls = [
    ...chunks(creates, rules.dossiersPerCall).map((data) => call(DOSSIER_SERVICE, data, 'False')),
    ...chunks(updates, rules.dossiersPerCall).map((data) => call(DOSSIER_SERVICE, data, 'True')),
    ...chunks(steps, rules.progressPerCall).map((data) => call(PROGRESS_SERVICE, data)),
  ];
  return { calls, held, ignored };
}

/** The calls without the items of these dossiers (calls left empty are dropped): once one of a dossier's items failed, its later items must wait. */
export function withoutDossiers(calls: readonly PortalCall[], dossierCodes: Iterable<string>): PortalCall[] {
  const dropped = new Set(dossierCodes);
  return calls.flatMap((call) => {
    const keep = call.dossierCodes.map((code) => !dropped.has(code));
    if (keep.every(Boolean)) return [call];
    const data = call.body.data.filter((_, i) => keep[i]);
    return data.length === 0 ? [] : [{ ...call, body: { ...call.body, data }, dossierCodes: call.dossierCodes.filter((_, i) => keep[i]) }];
  });
}

function applyBaseline(fold: DossierFold, baseline: DossierBaseline): void {
  const header = baseline.header && readHeader(baseline.header);
  if (header?.ok) applyHeader(fold, header.value);
  const status = baseline.status && readStatusChange(baseline.status);
  if (status?.ok) applyStatus(fold, status.value);
  const result = baseline.result && readResult(baseline.result);
  if (result?.ok) fold.result = result.value;
}

/** Folds one event into its dossier; answers why it was not used, if it was not. */
function applyEvent(foldFor: (code: string) => DossierFold, code: string, type: string, data: Record<string, unknown>): string | undefined {
  switch (type) {
    case UPSERTED: {
      const header = readHeader(data);
      if (!header.ok) return header.reason;
      applyHeader(foldFor(code), header.value);
      return undefined;
    }
    case STATUS_CHANGED: {
      const change = readStatusChange(data);
      if (!change.ok) return change.reason;
      const fold = foldFor(code);
      applyStatus(fold, change.value);
      fold.steps.push(change.value);
      return undefined;
    }
    case RESULT_SYNCED: {
      const result = readResult(data);
      if (!result.ok) return result.reason;
      foldFor(code).result = result.value;
      return undefined;
    }
    default:
      return `not a dossier event the portal takes (${String(type)})`;
  }
}

function applyHeader(fold: DossierFold, header: Header): void {
  fold.header = header;
  // As in the hub: a header without its own due date keeps one moved by an event.
  if (header.dueAt) fold.dueAt = header.dueAt;
}

function applyStatus(fold: DossierFold, change: StatusChange): void {
  fold.status = change;
  if (change.dueAt) fold.dueAt = change.dueAt;
  if (FINISHING.has(change.statusCode) && !fold.finishedAt) fold.finishedAt = change.occurredAt;
  if (change.statusCode === RESULT_RETURNED) fold.returnedAt = change.occurredAt;
}

// ---------------------------------------------------------------------------------------------
// Native items.

const portalTime = (instant: Date | undefined) => (instant ? toPortalTime(instant) : '');
const flag = (value: boolean | undefined) => (value ? '1' : '0');

function dossierItem(fold: DossierFold, header: Header, status: StatusChange): Record<string, unknown> {
  const { applicant } = header;
  // Events carry the applicant's number masked (api-contract.md): a masked number is no number for the portal.
  const idNumber = applicant.idNumber && !applicant.idNumber.includes('*') ? applicant.idNumber : '';
  const withResult = status.statusCode === RESOLVED || status.statusCode === RESULT_RETURNED;
  return {
    MaHoSo: fold.code,
    MaTTHC: header.procedureCode,
    TenTTHC: header.procedureName ?? '',
    MaLinhVuc: header.sectorCode ?? '',
    TenLinhVuc: '',
    KenhThucHien: codeOf(CHANNEL_BY_CODE, header.channel),
    SoBienNhan: '',
    ChuHoSo: applicant.name,
    LoaiDoiTuong: codeOf(APPLICANT_TYPE_BY_CODE, applicant.type) ?? '4',
    MaDoiTuong: '',
    SoGiayToChuHoSo: idNumber,
    Email: applicant.email ?? '',
    SoDienThoai: applicant.phone ?? '',
    TrichYeuHoSo: header.summary ?? '',
    NgayTiepNhan: portalTime(header.receivedAt),
    NgayHenTra: portalTime(fold.dueAt),
    TrangThaiHoSo: String(status.statusCode),
    NgayTra: portalTime(fold.returnedAt),
    ThongTinTra: '',
    // OpenCPS sends 1 for a postal return, else 0.
    HinhThuc: fold.result?.returnMethod === 'POSTAL' ? '1' : '0',
    NgayKetThucXuLy: portalTime(fold.finishedAt),
    DonViXuLy: '',
    GhiChu: status.note ?? '',
    TaiLieuNop: header.documents.map((document, index) => ({
      TepDinhKemId: document.code ?? String(index + 1),
      TenTepDinhKem: document.name,
      IsDeleted: 'False',
      MaThanhPhanHoSo: document.code ?? '',
      DuongDanTaiTepTin: document.url ?? '',
      DuocSoHoa: flag(document.digitized),
      DuocTaiSuDung: flag(document.reused),
      DuocLayTuKhoDMQG: '0',
    })),
    // HinhThucThu and LoaiPhiLePhi are codes whose meaning is not published and that the hub's fee lines do not carry.
    DanhSachLePhi: header.fees.map((fee) => ({ TenPhiLePhi: fee.name, MaPhiLePhi: fee.code ?? '', HinhThucThu: '', Gia: String(fee.amount), LoaiPhiLePhi: '' })),
    DanhSachHoSoBoSung: [],
    DanhSachGiayToKetQua:
      withResult && fold.result
        ? fold.result.documents.map((document) => ({
            TenGiayTo: document.name,
            MaThanhPhanHoSo: '',
            GiayToId: document.resultCode ?? document.sha256 ?? '',
            DuongDanTepTinKetQua: document.url ?? '',
            MaGiayToKetQua: document.resultCode ?? '',
          }))
        : [],
    HoSoCoThanhPhanSoHoa: flag(header.documents.some((document) => document.digitized)),
    DuocThanhToanTrucTuyen: flag(header.fees.some((fee) => fee.paidOnline)),
    // Thanh Hóa's rule: 12 digits is a personal number (1), 9 digits an old identity card (2).
    DinhDanhCHS: /^\d{12}$/.test(idNumber) ? [{ LoaiDinhDanh: '1', SoDinhDanh: idNumber }] : /^\d{9}$/.test(idNumber) ? [{ LoaiDinhDanh: '2', SoDinhDanh: idNumber }] : [],
  };
}

function progressItem(code: string, step: StatusChange, rules: PortalRules): Record<string, unknown> {
  return {
    MaHoSo: code,
    NguoiXuLy: step.actor?.name ?? rules.anonymousHandler,
    ChucDanh: step.actor?.title ?? '',
    ThoiDiemXuLy: toPortalTime(step.occurredAt),
    PhongBanXuLy: step.actor?.unit ?? '',
    NoiDungXuLy: step.note ?? STATUS_LABELS[step.statusCode - 1] ?? '',
    TrangThai: String(step.statusCode),
    NgayBatDau: toPortalTime(step.occurredAt),
    NgayKetThucTheoQuyDinh: portalTime(step.dueAt),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading event data (the hub's own, yet checked: an event from an older hub version or a typo'd replay must not become a bad portal message).

function readHeader(data: Record<string, unknown>): Reading<Header> {
  const procedureCode = text(data.procedureCode);
  const channel = data.channel;
  const applicant = data.applicant;
  const receivedAt = instant(data.receivedAt);
  if (!procedureCode) return { ok: false, reason: 'header without procedureCode' };
  if (channel !== 'DIRECT' && channel !== 'ONLINE' && channel !== 'POSTAL') return { ok: false, reason: 'header with an unknown channel' };
  if (!isRecord(applicant) || !text(applicant.name) || !text(applicant.type)) return { ok: false, reason: 'header without applicant name and type' };
  if (!receivedAt) return { ok: false, reason: 'header without a valid receivedAt' };
  const dueAt = optionalInstant(data.dueAt);
  if (dueAt === null) return { ok: false, reason: 'header with an invalid dueAt' };
  const documents = list(data.documents)
    .filter(isRecord)
    .filter((document) => text(document.name))
    .map((document) => ({ code: text(document.code), name: text(document.name)!, url: text(document.url), digitized: document.digitized === true, reused: document.reused === true }));
  const fees = list(data.fees)
    .filter(isRecord)
    .filter((fee) => text(fee.name) && Number.isSafeInteger(fee.amount) && (fee.amount as number) >= 0)
    .map((fee) => ({ code: text(fee.code), name: text(fee.name)!, amount: fee.amount as number, paidOnline: fee.paidOnline === true }));
  return {
    ok: true,
    value: {
      procedureCode,
      procedureName: text(data.procedureName),
      sectorCode: text(data.sectorCode),
      channel,
      applicant: { type: text(applicant.type)!, name: text(applicant.name)!, idNumber: text(applicant.idNumber), phone: text(applicant.phone), email: text(applicant.email) },
      summary: text(data.summary),
      receivedAt,
      dueAt,
      documents,
      fees,
    },
  };
}

function readStatusChange(data: Record<string, unknown>): Reading<StatusChange> {
  const statusCode = statusCodeOf(data.statusCode, data.status);
  const occurredAt = instant(data.occurredAt);
  if (statusCode === undefined) return { ok: false, reason: 'status change without a status 1–10' };
  if (!occurredAt) return { ok: false, reason: 'status change without a valid occurredAt' };
  const dueAt = optionalInstant(data.dueAt);
  if (dueAt === null) return { ok: false, reason: 'status change with an invalid dueAt' };
  const actor = isRecord(data.actor) ? { name: text(data.actor.name), title: text(data.actor.title), unit: text(data.actor.unit) } : undefined;
  return { ok: true, value: { statusCode, occurredAt, actor, note: text(data.note), dueAt } };
}

function readResult(data: Record<string, unknown>): Reading<Result> {
  if (!Array.isArray(data.documents)) return { ok: false, reason: 'result without documents' };
  const documents = data.documents
    .filter(isRecord)
    .filter((document) => text(document.name))
    .map((document) => ({ name: text(document.name)!, url: text(document.url), resultCode: text(document.resultCode), sha256: text(document.sha256) }));
  return { ok: true, value: { returnMethod: text(data.returnMethod), documents } };
}

function statusCodeOf(code: unknown, name: unknown): number | undefined {
  if (typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 10) return code;
  return typeof name === 'string' ? codeOfStatus(name) : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const instant = (value: unknown): Date | undefined => (typeof value === 'string' && isRfc3339(value) ? new Date(value) : undefined);
/** undefined when absent (or null, as events write it), null when present but invalid. */
const optionalInstant = (value: unknown): Date | undefined | null => (value === undefined || value === null ? undefined : (instant(value) ?? null));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the portal's answer to a call.

export type SyncOutcome =
  | { dossierCode: string; outcome: 'accepted' }
  /** `conflict`: the portal refused because of create-vs-update (`exists`: send as an update; `unknown`: send as a create). */
  | { dossierCode: string; outcome: 'refused'; reason: string; conflict?: 'exists' | 'unknown' }
  /** `relogin`: the session is no longer valid; log in again before retrying. */
  | { dossierCode: string; outcome: 'retry'; reason: string; relogin: boolean };

/**
 * The outcome for each dossier of a call (`sentCodes`: the call's dossierCodes), once each, in
 * first-sent order. `status` 0 stands for no answer (timeout, connection refused). The portal
 * answers `{error_code, message}`; when only some items were refused it names them in
 * `results: [{MaHoSo, error_code, message}]` (as the hub's own portal-compatible endpoint does),
 * and items it does not name were accepted. Never throws.
 */
export function readSyncAnswer(status: number, body: string, sentCodes: readonly string[], rules: PortalRules = DEFAULT_PORTAL_RULES): SyncOutcome[] {
  const codes = [...new Set(sentCodes)];
  const all = (outcome: (dossierCode: string) => SyncOutcome) => codes.map(outcome);
  if (isTransient(status)) {
    const reason = status === 0 ? 'the portal did not answer' : `the portal answered HTTP ${status}`;
    return all((dossierCode) => ({ dossierCode, outcome: 'retry', reason, relogin: false }));
  }
  if (status === 401 || status === 403) return all((dossierCode) => ({ dossierCode, outcome: 'retry', reason: `the portal answered HTTP ${status}`, relogin: true }));
  const answer = readJsonObject(body);
  if (!answer) {
    // Whether a 2xx without a readable body took anything is unknown: sending again is safe (a create seen twice comes back as "exists").
    if (status >= 200 && status < 300) return all((dossierCode) => ({ dossierCode, outcome: 'retry', reason: `unreadable answer (HTTP ${status})`, relogin: false }));
    return all((dossierCode) => ({ dossierCode, outcome: 'refused', reason: `HTTP ${status} without a readable answer` }));
  }
  if (isSessionExpired(answer, rules)) return all((dossierCode) => ({ dossierCode, outcome: 'retry', reason: describe(answer, status), relogin: true }));
  if (isSuccessCode(answer.error_code) && status >= 200 && status < 300) return all((dossierCode) => ({ dossierCode, outcome: 'accepted' }));

  const named = new Map<string, Record<string, unknown>>();
  for (const item of list(answer.results)) {
    const code = isRecord(item) ? text(item.MaHoSo) : undefined;
    if (code && isRecord(item) && !named.has(code)) named.set(code, item);
  }
  if (named.size === 0) return all((dossierCode) => refusal(dossierCode, answer, status, rules));
  return all((dossierCode) => {
    const item = named.get(dossierCode);
    if (!item || isSuccessCode(item.error_code)) return { dossierCode, outcome: 'accepted' };
    return refusal(dossierCode, item, status, rules);
  });
}

function refusal(dossierCode: string, answer: Record<string, unknown>, status: number, rules: PortalRules): SyncOutcome {
  const reason = describe(answer, status);
  const message = typeof answer.message === 'string' ? answer.message : '';
  const conflict = rules.alreadyExistsMessage.test(message) ? 'exists' : rules.notFoundMessage.test(message) ? 'unknown' : undefined;
  return conflict ? { dossierCode, outcome: 'refused', reason, conflict } : { dossierCode, outcome: 'refused', reason };
}

function isSessionExpired(answer: Record<string, unknown>, rules: PortalRules): boolean {
  if (isSuccessCode(answer.error_code)) return false;
  const code = codeText(answer.error_code);
  const message = typeof answer.message === 'string' ? answer.message : '';
  return (code !== undefined && rules.sessionExpiredCodes.includes(code)) || rules.sessionExpiredMessage.test(message);
}

/** No answer, overload or a server error: nothing says the portal refused, so the same call may be sent again. */
const isTransient = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/** Public senders compare error_code with 0 as a number and with "0" and "00" as text. */
function isSuccessCode(value: unknown): boolean {
  const code = codeText(value);
  return code !== undefined && /^0+$/.test(code);
}

const codeText = (value: unknown): string | undefined => (typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined);

function describe(answer: Record<string, unknown>, status: number): string {
  const code = codeText(answer.error_code) ?? '(none)';
  const message = typeof answer.message === 'string' ? answer.message.slice(0, 500) : '';
  return `HTTP ${status}, error_code ${code}${message ? `: ${message}` : ''}`;
}

function readJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
