import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The national portal's integration endpoint (DVCQG, domain.md §4) on 127.0.0.1, written from
 * the domain notes and independently of the hub's translator (its own field lists, clock and
 * date reading), so that a translator bug shows up as a refusal rather than as two copies of
 * one mistake:
 * - POST /auth `{username, password}` with header `dstcode` → `{session, error_code: 0}`, or
 *   `{error_code: 1, message}` for wrong credentials or a missing/wrong dstcode.
 * - POST /integration `{session, madonvi, service, [isUpdating], data: [...]}` for
 *   DongBoHoSoMC and CapNhatTienDoHoSoMC. A message the portal cannot take as a whole (session
 *   invalid or expired, another unit's madonvi, unknown service, no data, too many steps) is
 *   answered `{error_code: -1, message}` and changes nothing. Otherwise each item is checked on
 *   its own (field names, yyyyMMddHHmmss dates, statuses 1–10, create vs update: "False" for a
 *   MaHoSo the portal has, "True" or a step for one it has not, are refused); the valid ones are
 *   kept, and the answer is `{error_code: 0, message}` when all were, else `{error_code: -1,
 *   message, results: [{MaHoSo, error_code, message}]}` naming the refused ones.
 * The wording of these answers is this simulator's own: the real portal's is not published.
 */
const AUTH_PATH = '/auth';
const INTEGRATION_PATH = '/integration';
const DEFAULT_SESSION_TTL_MS = 30 * 60_000;
/** Public senders chunk progress by 10; the simulator holds them to it. */
const MAX_STEPS_PER_CALL = 10;

export interface PortalCredentials {
  username: string;
  password: string;
  dstcode: string;
  /** The unit the account belongs to: the only `madonvi` its session may send for. */
  madonvi: string;
}

export interface AcceptedItem {
  service: 'DongBoHoSoMC' | 'CapNhatTienDoHoSoMC';
  /** DongBoHoSoMC only. */
  isUpdating?: boolean;
  item: Record<string, unknown>;
}

export interface PortalCallRecord {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** HTTP status answered; undefined while hanging (never answered). */
  answeredWith?: number;
  answer?: Record<string, unknown>;
}

export interface PortalSimulator {
  /** Base URL: login at `${url}/auth`, calls at `${url}/integration`. */
  url: string;
  credentials: PortalCredentials;
  /** Every request, in arrival order. */
  calls: PortalCallRecord[];
  /** What the portal accepted for this dossier, in arrival order. */
  received(dossierCode: string): AcceptedItem[];
  /** Every session issued so far stops being valid. */
  expireSessions(): void;
  /** Answer everything with HTTP 503 while on. */
  down(on: boolean): void;
  /** Never answer while on (the connection stays open until stop()). */
  hang(on: boolean): void;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

const DOSSIER_FIELDS = new Set([
  'MaHoSo', 'MaTTHC', 'TenTTHC', 'MaLinhVuc', 'TenLinhVuc', 'KenhThucHien', 'SoBienNhan', 'ChuHoSo', 'LoaiDoiTuong', 'MaDoiTuong',
  'SoGiayToChuHoSo', 'ThongTinKhac', 'Email', 'Fax', 'SoDienThoai', 'TrichYeuHoSo', 'NgayTiepNhan', 'NgayHenTra', 'TrangThaiHoSo', 'NgayTra',
  'ThongTinTra', 'HinhThuc', 'NgayKetThucXuLy', 'DonViXuLy', 'GhiChu', 'TaiLieuNop', 'DanhSachLePhi', 'DanhSachTepDinhKemKhac',
  'DanhSachHoSoBoSung', 'DanhSachGiayToKetQua', 'HoSoCoThanhPhanSoHoa', 'TaiKhoanDuocXacThucVoiVNeID', 'DuocThanhToanTrucTuyen', 'DinhDanhCHS',
]);
const DOSSIER_REQUIRED = ['MaHoSo', 'MaTTHC', 'ChuHoSo', 'LoaiDoiTuong', 'KenhThucHien', 'NgayTiepNhan', 'TrangThaiHoSo'];
const DOSSIER_DATES = ['NgayTiepNhan', 'NgayHenTra', 'NgayTra', 'NgayKetThucXuLy'];
/** Fields of the lists inside a dossier; DanhSachHoSoBoSung and DanhSachTepDinhKemKhac rounds are not checked field by field. */
const LIST_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  TaiLieuNop: new Set(['TepDinhKemId', 'TenTepDinhKem', 'IsDeleted', 'MaThanhPhanHoSo', 'DuongDanTaiTepTin', 'DuocSoHoa', 'DuocTaiSuDung', 'DuocLayTuKhoDMQG']),
  DanhSachLePhi: new Set(['TenPhiLePhi', 'MaPhiLePhi', 'HinhThucThu', 'Gia', 'LoaiPhiLePhi']),
  DanhSachGiayToKetQua: new Set(['TenGiayTo', 'MaThanhPhanHoSo', 'GiayToId', 'DuongDanTepTinKetQua', 'MaGiayToKetQua']),
  DinhDanhCHS: new Set(['LoaiDinhDanh', 'SoDinhDanh']),
};
const STEP_FIELDS = new Set(['MaHoSo', 'NguoiXuLy', 'ChucDanh', 'ThoiDiemXuLy', 'PhongBanXuLy', 'NoiDungXuLy', 'TrangThai', 'NgayBatDau', 'NgayKetThucTheoQuyDinh']);
const STEP_REQUIRED = ['MaHoSo', 'NguoiXuLy', 'ThoiDiemXuLy', 'TrangThai'];
const STEP_DATES = ['ThoiDiemXuLy', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'];

const VIETNAM_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Ho_Chi_Minh',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** A real Vietnam wall-clock time in yyyyMMddHHmmss: formatting the instant it names gives it back. */
function isPortalTime(value: string): boolean {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, mo, d, h, mi, s] = match.slice(1) as [string, string, string, string, string, string];
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}+07:00`);
  if (Number.isNaN(date.getTime())) return false;
  const part = (type: Intl.DateTimeFormatPartTypes) => VIETNAM_TIME.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}${part('month')}${part('day')}${part('hour')}${part('minute')}${part('second')}` === value;
}

/** Real senders write most values as strings and some as numbers; both are taken. */
const scalar = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined);
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStatus = (value: unknown) => /^([1-9]|10)$/.test(scalar(value) ?? '');

class ItemRefusal extends Error {}

function checkFields(item: Json, allowed: ReadonlySet<string>, required: readonly string[], dates: readonly string[], where = ''): void {
  for (const name of Object.keys(item)) if (!allowed.has(name)) throw new ItemRefusal(`Trường không hợp lệ: ${where}${name}`);
  for (const name of required) if (!scalar(item[name])?.trim()) throw new ItemRefusal(`Thiếu trường bắt buộc: ${where}${name}`);
  for (const name of dates) {
    const value = item[name];
    // Absent dates are sent as empty strings.
    if (value !== undefined && value !== '' && !(typeof value === 'string' && isPortalTime(value))) throw new ItemRefusal(`Ngày không đúng định dạng yyyyMMddHHmmss: ${where}${name}`);
  }
}

function checkDossier(item: Json): void {
  checkFields(item, DOSSIER_FIELDS, DOSSIER_REQUIRED, DOSSIER_DATES);
  if (!isStatus(item.TrangThaiHoSo)) throw new ItemRefusal('TrangThaiHoSo phải từ 1 đến 10');
  if (!/^[123]$/.test(scalar(item.KenhThucHien) ?? '')) throw new ItemRefusal('KenhThucHien không hợp lệ');
  if (!/^[1-4]$/.test(scalar(item.LoaiDoiTuong) ?? '')) throw new ItemRefusal('LoaiDoiTuong không hợp lệ');
  for (const [list, fields] of Object.entries(LIST_FIELDS)) {
    const entries = item[list];
    if (entries === undefined) continue;
    if (!Array.isArray(entries) || !entries.every(isRecord)) throw new ItemRefusal(`${list} phải là danh sách`);
    entries.forEach((entry, i) => checkFields(entry, fields, [], [], `${list}[${i}].`));
  }
  for (const list of ['DanhSachHoSoBoSung', 'DanhSachTepDinhKemKhac']) {
    if (item[list] !== undefined && !Array.isArray(item[list])) throw new ItemRefusal(`${list} phải là danh sách`);
  }
}

function checkStep(item: Json): void {
  checkFields(item, STEP_FIELDS, STEP_REQUIRED, STEP_DATES);
  if (!isStatus(item.TrangThai)) throw new ItemRefusal('TrangThai phải từ 1 đến 10');
}

export async function startPortalSimulator(options: { sessionTtlMs?: number } = {}): Promise<PortalSimulator> {
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const credentials: PortalCredentials = {
    username: 'hub-lienthong',
    password: randomBytes(12).toString('hex'),
    dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider',
    madonvi: '000.00.00.H26',
  };
  const sessions = new Map<string, number>();
  const dossiers = new Map<string, AcceptedItem[]>();
  const calls: PortalCallRecord[] = [];
  let isDown = false;
  let isHanging = false;

  const refusal = (message: string): Json => ({ error_code: -1, message });

  function login(body: Json | undefined, headers: http.IncomingHttpHeaders): Json {
    if (headers.dstcode !== credentials.dstcode) return { error_code: 1, message: 'dstcode không hợp lệ' };
    if (!body || body.username !== credentials.username || body.password !== credentials.password) return { error_code: 1, message: 'Sai tên đăng nhập hoặc mật khẩu' };
    const session = randomBytes(24).toString('base64url');
    sessions.set(session, Date.now() + sessionTtlMs);
    return { session, error_code: 0 };
  }

  function accept(code: string, accepted: AcceptedItem): void {
    const log = dossiers.get(code) ?? [];
    log.push(accepted);
    dossiers.set(code, log);
  }

  function integration(body: Json | undefined): Json {
    if (!body) return refusal('Dữ liệu không hợp lệ');
    const expiresAt = typeof body.session === 'string' ? sessions.get(body.session) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now()) return refusal('Session không hợp lệ hoặc đã hết hạn');
    if (body.madonvi !== credentials.madonvi) return refusal(`Đơn vị ${String(body.madonvi)} không thuộc tài khoản`);
    const service = body.service;
    if (service !== 'DongBoHoSoMC' && service !== 'CapNhatTienDoHoSoMC') return refusal(`Dịch vụ ${String(service)} không được hỗ trợ`);
    const data = body.data;
    if (!Array.isArray(data) || data.length === 0) return refusal('data phải là danh sách khác rỗng');
    let isUpdating: boolean | undefined;
    if (service === 'DongBoHoSoMC') {
      const flag = typeof body.isUpdating === 'string' ? body.isUpdating.toLowerCase() : undefined;
      if (flag !== 'true' && flag !== 'false') return refusal('isUpdating phải là "True" hoặc "False"');
      isUpdating = flag === 'true';
    } else if (data.length > MAX_STEPS_PER_CALL) {
      return refusal(`Tối đa ${MAX_STEPS_PER_CALL} bản ghi tiến độ mỗi lần gửi`);
    }

    const results: Json[] = [];
    for (const item of data) {
      const code = isRecord(item) ? scalar(item.MaHoSo) : undefined;
      try {
        if (!isRecord(item) || !code) throw new ItemRefusal('Thiếu MaHoSo');
        const exists = dossiers.has(code);
        if (service === 'DongBoHoSoMC') {
          checkDossier(item);
          if (!isUpdating && exists) throw new ItemRefusal(`Hồ sơ ${code} đã tồn tại`);
          if (isUpdating && !exists) throw new ItemRefusal(`Hồ sơ ${code} không tồn tại`);
          accept(code, { service, isUpdating: isUpdating as boolean, item });
        } else {
          checkStep(item);
          if (!exists) throw new ItemRefusal(`Hồ sơ ${code} không tồn tại`);
          accept(code, { service, item });
        }
      } catch (error) {
        if (!(error instanceof ItemRefusal)) throw error;
        results.push({ MaHoSo: code ?? '', error_code: -1, message: error.message });
      }
    }
    return results.length === 0 ? { error_code: 0, message: 'Thành công' } : { error_code: -1, message: `${results.length}/${data.length} bản ghi không hợp lệ`, results };
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const record: PortalCallRecord = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      calls.push(record);
      if (isHanging) return;
      const send = (status: number, answer: Json) => {
        record.answeredWith = status;
        record.answer = answer;
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
      };
      if (isDown) return send(503, { error_code: 503, message: 'Service Unavailable' });
      if (request.method !== 'POST') return send(405, refusal('Chỉ chấp nhận POST'));
      let parsed: Json | undefined;
      try {
        const value: unknown = JSON.parse(record.body);
        parsed = isRecord(value) ? value : undefined;
      } catch {
        parsed = undefined;
      }
      if (record.path === AUTH_PATH) return send(200, login(parsed, request.headers));
      if (record.path === INTEGRATION_PATH) return send(200, integration(parsed));
      send(404, refusal('Không tìm thấy'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials,
    calls,
    received: (dossierCode) => [...(dossiers.get(dossierCode) ?? [])],
    expireSessions() {
      for (const session of sessions.keys()) sessions.set(session, 0);
    },
    down(on) {
      isDown = on;
    },
    hang(on) {
      isHanging = on;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
