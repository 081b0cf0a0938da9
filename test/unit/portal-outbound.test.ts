import {
  DEFAULT_PORTAL_RULES,
  type HubDossierEvent,
  type PortalCall,
  RESULT_SYNCED,
  STATUS_CHANGED,
  type SyncContext,
  UPSERTED,
  loginRequest,
  readLoginAnswer,
  readSyncAnswer,
  syncMessages,
  withoutDossiers,
} from '../../adapters/onestop/dvcqg/portal-outbound';
import { type PortalSimulator, startPortalSimulator } from '../support/onestop-simulators/portal-simulator';
import { type ProvinceSimulator, startProvinceSimulator } from '../support/onestop-simulators/province-simulator';

const CODE = '000.00.00.H26-261124-0042';
const AGENCY = '000.00.00.H26';
let eventCounter = 0;

/** Event data exactly as src/dossiers/dossier.service.ts emits it. */
function upserted(code = CODE, overrides: Record<string, unknown> = {}): HubDossierEvent {
  return {
    id: `evt-${(eventCounter += 1)}`,
    type: UPSERTED,
    data: {
      dossierCode: code,
      agencyCode: AGENCY,
      procedureCode: '1.001193',
      procedureName: 'Thủ tục đăng ký khai sinh',
      sectorCode: 'G03-HT',
      channel: 'ONLINE',
      applicant: { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '********9999', phone: '0912345678', email: 'lan.bt@example.vn' },
      summary: 'Đăng ký khai sinh cho con',
      receivedAt: '2026-11-24T08:30:15+07:00',
      dueAt: '2026-11-27T17:00:00+07:00',
      documents: [{ code: 'TP01', name: 'to-khai-khai-sinh.pdf', url: 'https://onestop.hanoi.example/files/f-1', digitized: true }],
      fees: [{ code: 'LP01', name: 'Lệ phí đăng ký khai sinh', amount: 50000, paidOnline: true }],
      ...overrides,
    },
  };
}

function statusChanged(status: string, statusCode: number, occurredAt: string, extra: Record<string, unknown> = {}, code = CODE): HubDossierEvent {
  return {
    id: `evt-${(eventCounter += 1)}`,
    type: STATUS_CHANGED,
    data: { dossierCode: code, agencyCode: AGENCY, status, statusCode, occurredAt, actor: null, note: null, dueAt: null, ...extra },
  };
}

function resultSynced(code = CODE): HubDossierEvent {
  return {
    id: `evt-${(eventCounter += 1)}`,
    type: RESULT_SYNCED,
    data: {
      dossierCode: code,
      agencyCode: AGENCY,
      outcome: 'GRANTED',
      decisionNumber: '123/GKS',
      issuedAt: '2026-11-26T10:00:00+07:00',
      issuer: { agencyCode: AGENCY },
      documents: [{ name: 'giay-khai-sinh.pdf', mediaType: 'application/pdf', sha256: 'a'.repeat(64), url: 'https://onestop.hanoi.example/results/r-1', resultCode: 'KQ-0042' }],
      returnMethod: 'POSTAL',
    },
  };
}

const context = (overrides: Partial<SyncContext> = {}): SyncContext => ({ session: 'sess-1', agencyCode: AGENCY, known: () => false, ...overrides });
const items = (call: PortalCall | undefined) => call?.body.data ?? [];

describe('portal outbound: login', () => {
  it('logs in at the auth path with the credentials in the body and dstcode as a header', () => {
    const request = loginRequest({ username: 'hub', password: 'pw', dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider' });
    expect(request.path).toBe('/auth');
    expect(request.headers.dstcode).toBe('VN:GOV:000.00.00.G22:vpcpdvcprovider');
    expect(JSON.parse(request.body)).toEqual({ username: 'hub', password: 'pw' });
    expect(loginRequest({ username: 'hub', password: 'pw' }, { ...DEFAULT_PORTAL_RULES, authPath: '/api/v1/login' }).path).toBe('/api/v1/login');
  });

  it('reads a session from error_code 0 (number or text) and refuses anything else', () => {
    expect(readLoginAnswer(200, '{"session":"abc","error_code":0}')).toEqual({ ok: true, session: 'abc' });
    expect(readLoginAnswer(200, '{"session":"abc","error_code":"00"}')).toEqual({ ok: true, session: 'abc' });
    expect(readLoginAnswer(200, '{"error_code":1,"message":"Sai mật khẩu"}')).toMatchObject({ ok: false, retry: false, reason: expect.stringContaining('Sai mật khẩu') });
    expect(readLoginAnswer(200, '{"session":"","error_code":0}')).toMatchObject({ ok: false, retry: false });
    expect(readLoginAnswer(503, 'down')).toMatchObject({ ok: false, retry: true });
    expect(readLoginAnswer(0, '')).toMatchObject({ ok: false, retry: true });
    expect(readLoginAnswer(200, '<html>')).toMatchObject({ ok: false, retry: false });
  });
});

describe('portal outbound: from events to DongBoHoSoMC and CapNhatTienDoHoSoMC', () => {
  it('creates an unconfirmed dossier with its header, current status and dates in Vietnam time', () => {
    const plan = syncMessages(
      [upserted(), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00'), statusChanged('PROCESSING', 4, '2026-11-24T07:05:00Z', { actor: { name: 'Trịnh Văn Minh', title: 'Công chức', unit: 'Tư pháp' }, note: 'Thẩm định hồ sơ' })],
      context(),
    );
    expect(plan.held).toEqual([]);
    expect(plan.ignored).toEqual([]);
    expect(plan.calls.map((call) => [call.service, call.body.isUpdating])).toEqual([
      ['DongBoHoSoMC', 'False'],
      ['CapNhatTienDoHoSoMC', undefined],
    ]);
    const [dossierCall, progressCall] = plan.calls;
    expect(dossierCall?.body).toMatchObject({ session: 'sess-1', madonvi: AGENCY, service: 'DongBoHoSoMC' });
    expect(items(dossierCall)[0]).toMatchObject({
      MaHoSo: CODE,
      MaTTHC: '1.001193',
      TenTTHC: 'Thủ tục đăng ký khai sinh',
      KenhThucHien: '2',
      LoaiDoiTuong: '1',
      ChuHoSo: 'Bùi Thị Lan',
      NgayTiepNhan: '20261124083015',
      NgayHenTra: '20261127170000',
      TrangThaiHoSo: '4',
      NgayTra: '',
      NgayKetThucXuLy: '',
      HoSoCoThanhPhanSoHoa: '1',
      DuocThanhToanTrucTuyen: '1',
      DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí đăng ký khai sinh', MaPhiLePhi: 'LP01', HinhThucThu: '', Gia: '50000', LoaiPhiLePhi: '' }],
      DanhSachGiayToKetQua: [],
    });
    expect(items(progressCall)).toEqual([
      expect.objectContaining({ MaHoSo: CODE, TrangThai: '2', ThoiDiemXuLy: '20261124083100', NguoiXuLy: 'Cán bộ một cửa', NoiDungXuLy: 'Được tiếp nhận' }),
      // 07:05Z is 14:05 in Hà Nội.
      expect.objectContaining({ MaHoSo: CODE, TrangThai: '4', ThoiDiemXuLy: '20261124140500', NguoiXuLy: 'Trịnh Văn Minh', ChucDanh: 'Công chức', PhongBanXuLy: 'Tư pháp', NoiDungXuLy: 'Thẩm định hồ sơ' }),
    ]);
  });

  it('converts an instant after 17:00 UTC to the next day in Vietnam', () => {
    const plan = syncMessages([upserted(CODE, { receivedAt: '2026-11-24T17:30:00Z', dueAt: undefined }), statusChanged('RECEIVED', 2, '2026-11-24T23:59:59.900+07:00')], context());
    expect(items(plan.calls[0])[0]).toMatchObject({ NgayTiepNhan: '20261125003000', NgayHenTra: '' });
    expect(items(plan.calls[1])[0]).toMatchObject({ ThoiDiemXuLy: '20261124235959' });
  });

  it('updates ("True") a dossier the portal has confirmed, and creates ("False") one it has not, in separate calls', () => {
    const other = '000.00.00.H26-261124-0043';
    const plan = syncMessages(
      [upserted(), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00'), upserted(other), statusChanged('RECEIVED', 2, '2026-11-24T08:32:00+07:00', {}, other)],
      context({ known: (code) => code === CODE }),
    );
    const dossierCalls = plan.calls.filter((call) => call.service === 'DongBoHoSoMC');
    expect(dossierCalls.map((call) => [call.body.isUpdating, call.dossierCodes])).toEqual([
      ['False', [other]],
      ['True', [CODE]],
    ]);
  });

  it('sends progress in chunks of 10, keeping each dossier’s steps in event order, after every DongBoHoSoMC', () => {
    const second = '000.00.00.H26-261124-0044';
    const events: HubDossierEvent[] = [upserted(), upserted(second)];
    for (let minute = 10; minute < 22; minute += 1) {
      events.push(statusChanged('PROCESSING', 4, `2026-11-24T09:${minute}:00+07:00`, { note: `bước ${minute}` }));
      events.push(statusChanged('PROCESSING', 4, `2026-11-24T09:${minute}:30+07:00`, { note: `bước ${minute}` }, second));
    }
    const plan = syncMessages(events, context({ known: () => true }));
    const services = plan.calls.map((call) => call.service);
    expect(services).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'CapNhatTienDoHoSoMC', 'CapNhatTienDoHoSoMC']);
    expect(plan.calls.slice(1).map((call) => call.body.data.length)).toEqual([10, 10, 4]);
    const steps = plan.calls.slice(1).flatMap(items);
    for (const code of [CODE, second]) {
      const times = steps.filter((step) => step.MaHoSo === code).map((step) => step.ThoiDiemXuLy as string);
      expect(times).toHaveLength(12);
      expect([...times].sort()).toEqual(times);
    }
  });

  it('splits DongBoHoSoMC by the dossiers-per-call rule', () => {
    const events = Array.from({ length: 12 }, (_, i) => {
      const code = `000.00.00.H26-261124-${String(100 + i).padStart(4, '0')}`;
      return [upserted(code), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00', {}, code)];
    }).flat();
    const plan = syncMessages(events, context());
    expect(plan.calls.filter((call) => call.service === 'DongBoHoSoMC').map((call) => call.dossierCodes.length)).toEqual([10, 2]);
    expect(plan.calls.filter((call) => call.service === 'CapNhatTienDoHoSoMC').map((call) => call.dossierCodes.length)).toEqual([10, 2]);
    expect(syncMessages(events, context(), { ...DEFAULT_PORTAL_RULES, dossiersPerCall: 5 }).calls.filter((call) => call.service === 'DongBoHoSoMC')).toHaveLength(3);
  });

  it('sends the result inside DongBoHoSoMC with status 9, and the return date once it is 10', () => {
    const resolved = syncMessages(
      [statusChanged('RESOLVED', 9, '2026-11-26T10:00:00+07:00'), resultSynced()],
      context({ known: () => true, baseline: () => ({ header: upserted().data, status: statusChanged('PROCESSING', 4, '2026-11-25T09:00:00+07:00').data }) }),
    );
    expect(items(resolved.calls[0])[0]).toMatchObject({
      TrangThaiHoSo: '9',
      NgayKetThucXuLy: '20261126100000',
      NgayTra: '',
      HinhThuc: '1',
      DanhSachGiayToKetQua: [{ TenGiayTo: 'giay-khai-sinh.pdf', MaThanhPhanHoSo: '', GiayToId: 'KQ-0042', DuongDanTepTinKetQua: 'https://onestop.hanoi.example/results/r-1', MaGiayToKetQua: 'KQ-0042' }],
    });

    const returned = syncMessages(
      [statusChanged('RESULT_RETURNED', 10, '2026-11-27T08:00:00+07:00')],
      context({ known: () => true, baseline: () => ({ header: upserted().data, status: statusChanged('RESOLVED', 9, '2026-11-26T10:00:00+07:00').data, result: resultSynced().data }) }),
    );
    // The first finishing status (9) is the end of processing, not the return.
    expect(items(returned.calls[0])[0]).toMatchObject({ TrangThaiHoSo: '10', NgayKetThucXuLy: '20261126100000', NgayTra: '20261127080000' });
    expect(items(returned.calls[0])[0]?.DanhSachGiayToKetQua).toHaveLength(1);
  });

  it('keeps result documents out of a dossier that is not resolved', () => {
    const plan = syncMessages([upserted(), statusChanged('PROCESSING', 4, '2026-11-24T09:00:00+07:00')], context({ baseline: () => ({ result: resultSynced().data }) }));
    expect(items(plan.calls[0])[0]?.DanhSachGiayToKetQua).toEqual([]);
  });

  it('moves the promised date with a status event that gives a new one', () => {
    const plan = syncMessages([upserted(), statusChanged('PROCESSING', 4, '2026-11-27T09:00:00+07:00', { dueAt: '2026-12-02T17:00:00+07:00' })], context());
    expect(items(plan.calls[0])[0]?.NgayHenTra).toBe('20261202170000');
    expect(items(plan.calls[1])[0]?.NgayKetThucTheoQuyDinh).toBe('20261202170000');
  });

  it('never sends a masked identity number, and declares a real 12-digit one as a personal number', () => {
    const masked = syncMessages([upserted(), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00')], context());
    expect(items(masked.calls[0])[0]).toMatchObject({ SoGiayToChuHoSo: '', DinhDanhCHS: [] });
    const applicant = { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '001190099999' };
    const plain = syncMessages([upserted(CODE, { applicant }), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00')], context());
    expect(items(plain.calls[0])[0]).toMatchObject({ SoGiayToChuHoSo: '001190099999', DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '001190099999' }] });
  });

  it('holds a dossier without a known header or status, and uses the baseline header when the batch has none', () => {
    const statusOnly = [statusChanged('PROCESSING', 4, '2026-11-24T09:00:00+07:00')];
    expect(syncMessages(statusOnly, context({ known: () => true }))).toMatchObject({ calls: [], held: [{ dossierCode: CODE, reason: expect.stringContaining('header') }] });
    expect(syncMessages([upserted()], context())).toMatchObject({ calls: [], held: [{ dossierCode: CODE, reason: expect.stringContaining('status') }] });
    const withBaseline = syncMessages(statusOnly, context({ known: () => true, baseline: () => ({ header: upserted().data }) }));
    expect(withBaseline.held).toEqual([]);
    expect(withBaseline.calls.map((call) => call.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);
  });

  it('ignores events that are not dossier events or whose data is unusable, and says why', () => {
    const plan = syncMessages(
      [
        { id: 'p-1', type: 'vn.gov.dvc.payment.status_changed.v1', data: { dossierCode: CODE, paymentId: 'x' } },
        { id: 'bad-time', type: STATUS_CHANGED, data: { dossierCode: CODE, statusCode: 4, occurredAt: '24/11/2026' } },
        { id: 'bad-status', type: STATUS_CHANGED, data: { dossierCode: CODE, statusCode: 11, occurredAt: '2026-11-24T09:00:00+07:00' } },
        { id: 'no-code', type: UPSERTED, data: {} },
        { id: 'bad-channel', type: UPSERTED, data: { ...upserted().data, channel: 'FAX' } },
      ],
      context(),
    );
    expect(plan.ignored.map((entry) => entry.eventId)).toEqual(['p-1', 'bad-time', 'bad-status', 'no-code', 'bad-channel']);
    expect(plan.calls).toEqual([]);
  });

  it('drops a failed dossier’s later items and empty calls', () => {
    const other = '000.00.00.H26-261124-0043';
    const plan = syncMessages(
      [upserted(), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00'), upserted(other), statusChanged('RECEIVED', 2, '2026-11-24T08:32:00+07:00', {}, other)],
      context({ known: (code) => code === other }),
    );
    const rest = withoutDossiers(plan.calls.slice(1), [CODE]);
    expect(rest.map((call) => [call.service, call.dossierCodes])).toEqual([
      ['DongBoHoSoMC', [other]],
      ['CapNhatTienDoHoSoMC', [other]],
    ]);
    expect(rest[1]?.body.data.map((item) => item.MaHoSo)).toEqual([other]);
  });
});

describe('portal outbound: reading the answer to a call', () => {
  const sent = ['A-1', 'B-2', 'A-1'];

  it('accepts every dossier on error_code 0, once per dossier', () => {
    expect(readSyncAnswer(200, '{"error_code":0,"message":"Thành công"}', sent)).toEqual([
      { dossierCode: 'A-1', outcome: 'accepted' },
      { dossierCode: 'B-2', outcome: 'accepted' },
    ]);
    expect(readSyncAnswer(200, '{"error_code":"00"}', sent).every((o) => o.outcome === 'accepted')).toBe(true);
  });

  it('refuses only the dossiers the answer names, recognising create-vs-update conflicts', () => {
    const answer = { error_code: -1, message: '2 lỗi', results: [{ MaHoSo: 'A-1', error_code: -1, message: 'Hồ sơ A-1 đã tồn tại' }] };
    expect(readSyncAnswer(200, JSON.stringify(answer), sent)).toEqual([
      { dossierCode: 'A-1', outcome: 'refused', reason: expect.stringContaining('đã tồn tại'), conflict: 'exists' },
      { dossierCode: 'B-2', outcome: 'accepted' },
    ]);
    const unknown = { error_code: -1, results: [{ MaHoSo: 'B-2', error_code: '-1', message: 'Hồ sơ B-2 không tồn tại' }] };
    expect(readSyncAnswer(200, JSON.stringify(unknown), ['B-2'])).toEqual([{ dossierCode: 'B-2', outcome: 'refused', reason: expect.any(String), conflict: 'unknown' }]);
  });

  it('refuses every dossier of a call refused as a whole', () => {
    expect(readSyncAnswer(200, '{"error_code":-1,"message":"TrangThaiHoSo phải từ 1 đến 10"}', ['A-1'])).toEqual([
      { dossierCode: 'A-1', outcome: 'refused', reason: 'HTTP 200, error_code -1: TrangThaiHoSo phải từ 1 đến 10' },
    ]);
    expect(readSyncAnswer(400, 'Bad Request', ['A-1'])).toMatchObject([{ outcome: 'refused' }]);
  });

  it('asks to log in again when the session is no longer valid', () => {
    expect(readSyncAnswer(200, '{"error_code":-1,"message":"Session không hợp lệ hoặc đã hết hạn"}', ['A-1'])).toMatchObject([{ outcome: 'retry', relogin: true }]);
    expect(readSyncAnswer(401, '', ['A-1'])).toMatchObject([{ outcome: 'retry', relogin: true }]);
    const rules = { ...DEFAULT_PORTAL_RULES, sessionExpiredCodes: ['-401'], sessionExpiredMessage: /^$/ };
    expect(readSyncAnswer(200, '{"error_code":-401,"message":"Hết hạn"}', ['A-1'], rules)).toMatchObject([{ outcome: 'retry', relogin: true }]);
    expect(readSyncAnswer(200, '{"error_code":-1,"message":"Hết hạn"}', ['A-1'], rules)).toMatchObject([{ outcome: 'refused' }]);
  });

  it('retries without a new login on a server error, a timeout or an unreadable success', () => {
    for (const [status, body] of [[503, 'down'], [500, '{"error_code":0}'], [0, ''], [429, ''], [200, '<html>oops</html>']] as const) {
      expect(readSyncAnswer(status, body, ['A-1'])).toMatchObject([{ dossierCode: 'A-1', outcome: 'retry', relogin: false }]);
    }
  });
});

describe('national portal simulator', () => {
  let portal: PortalSimulator;
  beforeEach(async () => {
    portal = await startPortalSimulator();
  });
  afterEach(async () => {
    await portal.stop();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) => {
    const response = await fetch(`${portal.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body), ...(signal ? { signal } : {}) });
    return { status: response.status, text: await response.text() };
  };
  const login = async () => {
    const request = loginRequest(portal.credentials);
    const answer = await post(request.path, request.body, request.headers);
    const reading = readLoginAnswer(answer.status, answer.text);
    if (!reading.ok) throw new Error(reading.reason);
    return reading.session;
  };
  /** The shared fixture fixtures/dvcqg/DongBoHoSoMC.request.json's dossier, as real senders write it. */
  const fixtureDossier = (code = CODE): Record<string, unknown> => ({
    MaHoSo: code, MaTTHC: '1.001193', TenTTHC: 'Thủ tục đăng ký khai sinh', MaLinhVuc: 'G03-HT', TenLinhVuc: 'Hộ tịch', KenhThucHien: '2', SoBienNhan: '',
    ChuHoSo: 'Bùi Thị Lan', LoaiDoiTuong: '1', MaDoiTuong: '', SoGiayToChuHoSo: '001190099999', ThongTinKhac: '', Email: 'lan.bt@example.vn', Fax: '',
    SoDienThoai: '0912345678', TrichYeuHoSo: 'Đăng ký khai sinh cho con', NgayTiepNhan: '20261124083015', NgayHenTra: '20261127170000', TrangThaiHoSo: '2',
    NgayTra: '', ThongTinTra: '', HinhThuc: '0', NgayKetThucXuLy: '', DonViXuLy: 'UBND phường Cửa Nam', GhiChu: '',
    TaiLieuNop: [{ TepDinhKemId: 'f-1', TenTepDinhKem: 'to-khai-khai-sinh.pdf', IsDeleted: 'False', MaThanhPhanHoSo: 'TP01', DuongDanTaiTepTin: 'https://onestop.hanoi.example/files/f-1', DuocSoHoa: '1', DuocTaiSuDung: '0', DuocLayTuKhoDMQG: '0' }],
    DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí đăng ký khai sinh', MaPhiLePhi: 'LP01', HinhThucThu: '1', Gia: '0', LoaiPhiLePhi: '2' }],
    DanhSachTepDinhKemKhac: [], DanhSachHoSoBoSung: [], DanhSachGiayToKetQua: [], HoSoCoThanhPhanSoHoa: '1', TaiKhoanDuocXacThucVoiVNeID: '1', DuocThanhToanTrucTuyen: '0',
    DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '001190099999' }],
  });
  const fixtureStep = (code = CODE): Record<string, unknown> => ({
    MaHoSo: code, NguoiXuLy: 'Trịnh Văn Minh', ChucDanh: 'Công chức tư pháp - hộ tịch', ThoiDiemXuLy: '20261124140500', PhongBanXuLy: 'Tư pháp - Hộ tịch',
    NoiDungXuLy: 'Thẩm định hồ sơ', TrangThai: '4', NgayBatDau: '20261124140500', NgayKetThucTheoQuyDinh: '20261127170000',
  });
  const sync = async (session: string, isUpdating: 'True' | 'False', data: unknown[]) => JSON.parse((await post('/integration', { session, madonvi: portal.credentials.madonvi, service: 'DongBoHoSoMC', isUpdating, data })).text);
  const progress = async (session: string, data: unknown[]) => JSON.parse((await post('/integration', { session, madonvi: portal.credentials.madonvi, service: 'CapNhatTienDoHoSoMC', data })).text);

  it('gives a session only for the right credentials and dstcode', async () => {
    const { username, password, dstcode } = portal.credentials;
    expect(JSON.parse((await post('/auth', { username, password: 'wrong' }, { dstcode })).text)).toMatchObject({ error_code: 1 });
    expect(JSON.parse((await post('/auth', { username, password })).text)).toMatchObject({ error_code: 1 });
    const answer = JSON.parse((await post('/auth', { username, password }, { dstcode })).text);
    expect(answer).toEqual({ session: expect.any(String), error_code: 0 });
  });

  it('takes the fixture as a create, then refuses to create it again or to update an unknown dossier', async () => {
    const session = await login();
    expect(await sync(session, 'False', [fixtureDossier()])).toEqual({ error_code: 0, message: 'Thành công' });
    expect(await sync(session, 'False', [fixtureDossier()])).toMatchObject({ error_code: -1, results: [{ MaHoSo: CODE, message: expect.stringContaining('đã tồn tại') }] });
    expect(await sync(session, 'True', [fixtureDossier('000.00.00.H26-261124-0099')])).toMatchObject({ error_code: -1, results: [{ message: expect.stringContaining('không tồn tại') }] });
    expect(await sync(session, 'True', [{ ...fixtureDossier(), TrangThaiHoSo: 4 }])).toMatchObject({ error_code: 0 });
    expect(portal.received(CODE).map((entry) => [entry.service, entry.isUpdating, entry.item.TrangThaiHoSo])).toEqual([
      ['DongBoHoSoMC', false, '2'],
      ['DongBoHoSoMC', true, 4],
    ]);
  });

  it('checks field names, dates and statuses item by item, keeping the valid items of a call', async () => {
    const session = await login();
    const bad = [
      { ...fixtureDossier('000.00.00.H26-261124-0001'), NgayTiepNhan: '2026-11-24 08:30:15' },
      { ...fixtureDossier('000.00.00.H26-261124-0002'), NgayHenTra: '20261131170000' },
      { ...fixtureDossier('000.00.00.H26-261124-0003'), TrangThaiHoSo: '11' },
      { ...fixtureDossier('000.00.00.H26-261124-0004'), TrangThaiHoso: '2' },
      { ...fixtureDossier('000.00.00.H26-261124-0005'), DanhSachGiayToKetQua: [{ TenGiayTo: 'x', Url: 'y' }] },
      fixtureDossier('000.00.00.H26-261124-0006'),
    ];
    const answer = await sync(session, 'False', bad);
    expect(answer.results.map((r: { MaHoSo: string }) => r.MaHoSo.slice(-4))).toEqual(['0001', '0002', '0003', '0004', '0005']);
    expect(portal.received('000.00.00.H26-261124-0006')).toHaveLength(1);
    expect(portal.received('000.00.00.H26-261124-0001')).toEqual([]);
  });

  it('takes progress only for a dossier it has, at most 10 steps a call', async () => {
    const session = await login();
    expect(await progress(session, [fixtureStep()])).toMatchObject({ error_code: -1, results: [{ message: expect.stringContaining('không tồn tại') }] });
    await sync(session, 'False', [fixtureDossier()]);
    expect(await progress(session, Array.from({ length: 10 }, () => fixtureStep()))).toMatchObject({ error_code: 0 });
    expect(await progress(session, Array.from({ length: 11 }, () => fixtureStep()))).toMatchObject({ error_code: -1, message: expect.stringContaining('10') });
    expect(await progress(session, [{ ...fixtureStep(), ThoiDiemXuLy: '' }])).toMatchObject({ error_code: -1 });
    expect(portal.received(CODE).filter((entry) => entry.service === 'CapNhatTienDoHoSoMC')).toHaveLength(10);
  });

  it('refuses expired or unknown sessions and another unit’s madonvi', async () => {
    const session = await login();
    portal.expireSessions();
    expect(await sync(session, 'False', [fixtureDossier()])).toMatchObject({ error_code: -1, message: expect.stringMatching(/session/i) });
    expect(await sync('made-up', 'False', [fixtureDossier()])).toMatchObject({ error_code: -1 });
    const fresh = await login();
    expect(JSON.parse((await post('/integration', { session: fresh, madonvi: '000.00.00.H29', service: 'DongBoHoSoMC', isUpdating: 'False', data: [fixtureDossier()] })).text)).toMatchObject({ error_code: -1 });
    expect(JSON.parse((await post('/integration', { session: fresh, madonvi: portal.credentials.madonvi, service: 'LayThuTuc', data: [{}] })).text)).toMatchObject({ error_code: -1 });
    expect(portal.received(CODE)).toEqual([]);
  });

  it('can be down (503) or hang, and logs every call', async () => {
    portal.down(true);
    expect((await post('/auth', {})).status).toBe(503);
    portal.down(false);
    portal.hang(true);
    await expect(post('/auth', {}, {}, AbortSignal.timeout(300))).rejects.toThrow();
    portal.hang(false);
    expect((await post('/auth', {})).status).toBe(200);
    expect(portal.calls.map((call) => call.answeredWith)).toEqual([503, undefined, 200]);
  });

  it('accepts everything the translator plans from hub events, and the translator reads its answers', async () => {
    const second = '000.00.00.H26-261124-0044';
    const events: HubDossierEvent[] = [
      upserted(CODE, { applicant: { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '001190099999' } }),
      upserted(second, { channel: 'DIRECT', applicant: { type: 'ENTERPRISE', name: 'Công ty TNHH A' } }),
    ];
    for (let minute = 10; minute < 22; minute += 1) events.push(statusChanged('PROCESSING', 4, `2026-11-24T09:${minute}:00+07:00`, { actor: { name: 'Trịnh Văn Minh' } }));
    events.push(statusChanged('RECEIVED', 2, '2026-11-24T08:40:00+07:00', {}, second));
    events.push(statusChanged('RESOLVED', 9, '2026-11-24T10:00:00+07:00'), resultSynced());

    const known = new Set<string>();
    let session = await login();
    const send = async (call: PortalCall) => {
      const answer = await post(call.path, { ...call.body, session }, call.headers);
      return readSyncAnswer(answer.status, answer.text, call.dossierCodes);
    };
    const plan = syncMessages(events, context({ session, agencyCode: portal.credentials.madonvi, known: (code) => known.has(code) }));
    expect(plan.held).toEqual([]);
    for (const call of plan.calls) {
      const outcomes = await send(call);
      expect(outcomes.every((outcome) => outcome.outcome === 'accepted')).toBe(true);
      if (call.service === 'DongBoHoSoMC') for (const code of call.dossierCodes) known.add(code);
    }
    const received = portal.received(CODE);
    expect(received[0]).toMatchObject({ service: 'DongBoHoSoMC', isUpdating: false, item: { TrangThaiHoSo: '9', DanhSachGiayToKetQua: [expect.objectContaining({ MaGiayToKetQua: 'KQ-0042' })] } });
    const stepTimes = received.filter((entry) => entry.service === 'CapNhatTienDoHoSoMC').map((entry) => entry.item.ThoiDiemXuLy);
    expect(stepTimes).toHaveLength(13);
    expect(stepTimes[0]).toBe('20261124091000');
    expect(stepTimes.at(-1)).toBe('20261124100000');
    expect(portal.received(second).map((entry) => entry.service)).toEqual(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC']);

    // The next sync of the same dossier is an update; an expired session asks for a new login.
    const next = syncMessages([statusChanged('RESULT_RETURNED', 10, '2026-11-25T08:00:00+07:00')], context({ session, agencyCode: portal.credentials.madonvi, known: (code) => known.has(code), baseline: () => ({ header: events[0]!.data, result: resultSynced().data }) }));
    portal.expireSessions();
    expect(await send(next.calls[0]!)).toMatchObject([{ dossierCode: CODE, outcome: 'retry', relogin: true }]);
    session = await login();
    expect(await send(next.calls[0]!)).toEqual([{ dossierCode: CODE, outcome: 'accepted' }]);
    expect(portal.received(CODE).at(-1)).toMatchObject({ service: 'DongBoHoSoMC', isUpdating: true, item: { TrangThaiHoSo: '10', NgayTra: '20261125080000' } });

    // Sent as a create again, the portal says it exists and the translator names the conflict.
    const again = syncMessages([upserted(), statusChanged('RECEIVED', 2, '2026-11-24T08:31:00+07:00')], context({ session, agencyCode: portal.credentials.madonvi }));
    expect(await send(again.calls[0]!)).toMatchObject([{ outcome: 'refused', conflict: 'exists' }]);
  });
});

describe('province one-stop simulator', () => {
  let province: ProvinceSimulator;
  beforeEach(async () => {
    province = await startProvinceSimulator();
  });
  afterEach(async () => {
    await province.stop();
  });

  const push = async (body: string, signal?: AbortSignal) => {
    const response = await fetch(province.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, ...(signal ? { signal } : {}) });
    return { status: response.status, answer: await response.text() };
  };
  const create = (code: string) => JSON.stringify({ madonvi: AGENCY, service: 'DongBoHoSoMC', isUpdating: 'False', data: [{ MaHoSo: code, TrangThaiHoSo: '1' }] });

  it('records DongBoHoSoMC creates and any other body in arrival order', async () => {
    expect(await push(create('A-1'))).toEqual({ status: 200, answer: JSON.stringify({ error_code: 0, message: 'Tiếp nhận thành công' }) });
    expect((await push('<xml/>')).status).toBe(200);
    await push(create('B-2'));
    expect(province.dossierCodes()).toEqual(['A-1', 'B-2']);
    expect(province.deliveries.map((delivery) => delivery.body)).toEqual([create('A-1'), '<xml/>', create('B-2')]);
  });

  it('can be down, hang, or refuse the next requests', async () => {
    province.down(true);
    expect((await push(create('A-1'))).status).toBe(503);
    province.down(false);
    province.hang(true);
    await expect(push(create('A-1'), AbortSignal.timeout(300))).rejects.toThrow();
    province.hang(false);
    province.refuseNext(2, 'Mã thủ tục không tồn tại');
    expect(JSON.parse((await push(create('A-1'))).answer)).toEqual({ error_code: -1, message: 'Mã thủ tục không tồn tại' });
    expect(JSON.parse((await push(create('A-1'))).answer)).toMatchObject({ error_code: -1 });
    expect(JSON.parse((await push(create('A-1'))).answer)).toMatchObject({ error_code: 0 });
    expect(province.deliveries.map((delivery) => delivery.answeredWith)).toEqual([503, undefined, 200, 200, 200]);
  });
});
