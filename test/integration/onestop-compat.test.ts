import fs from 'node:fs';
import path from 'node:path';
import { createSigner } from 'fast-jwt';
import { describeEachEngine } from '../support/databases';
import { SECRETS } from '../support/parties';
import { type TestHub, as, startTestHub } from '../support/test-hub';

/**
 * The portal-compatible one-stop path (api-contract.md, Portal-compatible endpoints): a
 * system written against the national portal logs in, then syncs dossiers and progress in
 * the portal's own messages; the hub answers in the portal's style and applies them through
 * the canonical dossier service (the canonical API sees the same dossier, timeline and events).
 */
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/dvcqg', name), 'utf8')) as Record<string, any>;
const DONG_BO = fixture('DongBoHoSoMC.request.json');
const TIEN_DO = fixture('CapNhatTienDoHoSoMC.request.json');

let counter = 0;
/** The fixture's dossier under a code no other test uses. */
function dossierCode(): string {
  counter += 1;
  return `000.00.00.H26-261124-${String(counter).padStart(3, '0')}${process.pid % 100}`;
}

describeEachEngine('portal-compatible one-stop sync (dvcqg)', (engine) => {
  let hub: TestHub;
  let session: string;

  beforeAll(async () => {
    hub = await startTestHub(engine);
    session = (await login('hanoi', SECRETS.hanoi)).json().session;
  });
  afterAll(() => hub?.close());

  const login = (username: string, password: string) => hub.app.inject({ method: 'POST', url: '/compat/dvcqg/login', payload: { username, password } });
  const service = (body: unknown) => hub.app.inject({ method: 'POST', url: '/compat/dvcqg/service', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  function dongBo(code: string, changes: Record<string, unknown> = {}) {
    return { ...DONG_BO, session, data: [{ ...DONG_BO.data[0], MaHoSo: code, ...changes }] };
  }

  it('logs in with the client id and secret, and refuses a wrong password', async () => {
    expect((await login('hanoi', SECRETS.hanoi)).json()).toMatchObject({ error_code: 0, session: expect.any(String) });
    const wrong = await login('hanoi', 'not-the-secret-000');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error_code: 401, session: null });
  });

  it('syncs a dossier in the portal’s format; the canonical API sees the same dossier, timeline and events', async () => {
    const code = dossierCode();
    const synced = await service(dongBo(code));
    expect(synced.json()).toMatchObject({ error_code: 0 });

    const h26 = as(hub.app, await hub.token('hanoi'));
    const dossier = (await h26.get(`/v1/dossiers/${code}`)).json();
    expect(dossier).toMatchObject({ dossierCode: code, agencyCode: '000.00.00.H26', procedureCode: '1.001193', status: 'RECEIVED', receivedAt: '2026-11-24T08:30:15+07:00', dueAt: '2026-11-27T17:00:00+07:00' });
    expect(dossier.timeline).toEqual([expect.objectContaining({ status: 'RECEIVED', occurredAt: '2026-11-24T08:30:15+07:00' })]);

    const progress = await service({ ...TIEN_DO, session, data: [{ ...TIEN_DO.data[0], MaHoSo: code }] });
    expect(progress.json()).toMatchObject({ error_code: 0 });
    expect((await h26.get(`/v1/dossiers/${code}`)).json()).toMatchObject({ status: 'PROCESSING' });

    // The feed gets them once the sealer has ordered the commit.
    const feedOf = async () => ((await h26.get('/v1/events?limit=500')).json().items as { subject: string; type: string }[]).filter((e) => e.subject === code);
    const deadline = Date.now() + 5000;
    while ((await feedOf()).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await feedOf()).map((e) => e.type)).toEqual(['vn.gov.dvc.dossier.upserted.v1', 'vn.gov.dvc.dossier.status_changed.v1', 'vn.gov.dvc.dossier.status_changed.v1']);

    const looked = await service({ session, madonvi: '000.00.00.H26', service: 'TraCuuHoSo', data: [{ MaHoSo: code }] });
    expect(looked.json()).toMatchObject({ error_code: 0, result: [expect.objectContaining({ MaHoSo: code, TrangThaiHoSo: 4 })] });
  });

  it('answers each refused item by name, and accepts the others of the same message', async () => {
    const good = dossierCode();
    const badStatus = dossierCode();
    const badDate = dossierCode();
    const message = {
      ...DONG_BO,
      session,
      data: [
        { ...DONG_BO.data[0], MaHoSo: good },
        { ...DONG_BO.data[0], MaHoSo: badStatus, TrangThaiHoSo: '11' },
        { ...DONG_BO.data[0], MaHoSo: badDate, NgayTiepNhan: '24/11/2026 08:30' },
      ],
    };
    const answer = (await service(message)).json();
    expect(answer.error_code).not.toBe(0);
    expect(answer.results.map((r: { MaHoSo: string }) => r.MaHoSo).sort()).toEqual([badDate, badStatus].sort());
    const h26 = as(hub.app, await hub.token('hanoi'));
    expect((await h26.get(`/v1/dossiers/${good}`)).statusCode).toBe(200);
    expect((await h26.get(`/v1/dossiers/${badStatus}`)).statusCode).toBe(404);
  });

  it('reports a move the transition table forbids with its canonical code', async () => {
    const code = dossierCode();
    await service(dongBo(code));
    const answer = (await service(dongBo(code, { TrangThaiHoSo: '10', NgayTra: '20261124150000' }))).json();
    expect(answer.results).toEqual([expect.objectContaining({ MaHoSo: code, code: 'DOSSIER_TRANSITION_NOT_ALLOWED' })]);
  });

  it('refuses a forged or expired session, and an agency outside the party’s jurisdiction', async () => {
    const forged = createSigner({ algorithm: 'HS256', key: 'x'.repeat(32) })({ sub: 'hanoi', party: '000.00.00.H26', scope: 'dossiers:write', iss: hub.config.publicUrl });
    const forgedAnswer = await service({ ...dongBo(dossierCode()), session: forged });
    expect(forgedAnswer.statusCode).toBe(401);
    expect(forgedAnswer.json()).toMatchObject({ error_code: -1, code: 'UNAUTHENTICATED' });

    const { signingKey } = hub.app.hub;
    const expired = createSigner({ algorithm: 'ES256', key: signingKey.privatePem, kid: signingKey.kid })({
      sub: 'hanoi', party: '000.00.00.H26', scope: 'dossiers:write', iss: hub.config.publicUrl, jti: 'expired-1', iat: 1_700_000_000, exp: 1_700_000_060,
    });
    expect((await service({ ...dongBo(dossierCode()), session: expired })).json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const other = await service({ ...dongBo('000.00.00.G12-261124-0001'), madonvi: '000.00.00.G12' });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error_code: -1, code: 'FORBIDDEN' });
  });

  it('refuses an oversized message with 413', async () => {
    const huge = { ...dongBo(dossierCode()), padding: 'x'.repeat(9 * 1024 * 1024) };
    expect((await service(huge)).statusCode).toBe(413);
  });

  it('accepts the same sync again (a daily catch-up) as already in place, and a result whose papers lack hash and media type', async () => {
    const code = dossierCode();
    expect((await service(dongBo(code))).json()).toMatchObject({ error_code: 0 });
    expect((await service(dongBo(code))).json()).toMatchObject({ error_code: 0 });
    const h26 = as(hub.app, await hub.token('hanoi'));
    expect((await h26.get(`/v1/dossiers/${code}`)).json().timeline).toHaveLength(1);

    await service({ ...TIEN_DO, session, data: [{ ...TIEN_DO.data[0], MaHoSo: code }] });
    const resolved = await service(
      dongBo(code, {
        TrangThaiHoSo: '9',
        NgayKetThucXuLy: '20261125100000',
        DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy khai sinh', MaThanhPhanHoSo: 'KQ01', GiayToId: 'kq-1', DuongDanTepTinKetQua: 'https://onestop.hanoi.example/kq/1', MaGiayToKetQua: 'KS-2026-0042' }],
      }),
    );
    expect(resolved.json()).toMatchObject({ error_code: 0 });
    const dossier = (await h26.get(`/v1/dossiers/${code}`)).json();
    expect(dossier).toMatchObject({ status: 'RESOLVED', result: { documents: [expect.objectContaining({ name: 'Giấy khai sinh', sha256: null, mediaType: null })] } });
  });

  describe('a vendor’s SOAP format, through the same path', () => {
    const soap = (body: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
    const dongBoHoSo = (code: string) =>
      soap(`<DongBoHoSo xmlns="urn:motcua:v2"><MaDonVi>000.00.00.H26</MaDonVi><DanhSachHoSo><HoSo><MaHoSo>${code}</MaHoSo><MaThuTuc>1.001193</MaThuTuc><TenThuTuc>Thủ tục đăng ký khai sinh</TenThuTuc><KenhThucHien>1</KenhThucHien><NguoiNop><HoTen>Lê Văn Hùng</HoTen><LoaiDoiTuong>1</LoaiDoiTuong><SoGiayTo>038085001234</SoGiayTo></NguoiNop><NgayTiepNhan>2026-11-24T09:15:00</NgayTiepNhan><TrangThai>2</TrangThai><ThoiDiemTrangThai>2026-11-24T09:15:00</ThoiDiemTrangThai></HoSo></DanhSachHoSo></DongBoHoSo>`);
    const post = async (xml: string) =>
      hub.app.inject({ method: 'POST', url: '/compat/vendor-soap/service', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Bearer ${await hub.token('hanoi')}` }, payload: xml });

    it('syncs a dossier sent as SOAP XML, answered in SOAP', async () => {
      const code = dossierCode();
      const answer = await post(dongBoHoSo(code));
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toContain('xml');
      expect(answer.body).toContain('<MaLoi>0</MaLoi>');
      expect((await as(hub.app, await hub.token('hanoi')).get(`/v1/dossiers/${code}`)).json()).toMatchObject({ status: 'RECEIVED', receivedAt: '2026-11-24T09:15:00+07:00' });
    });

    it('refuses XML with external entities (no XXE) as a SOAP fault, touching nothing', async () => {
      const code = dossierCode();
      const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>${dongBoHoSo(code).replace('<?xml version="1.0" encoding="utf-8"?>', '').replace('Lê Văn Hùng', '&secret;')}`;
      const answer = await post(xxe);
      expect(answer.statusCode).toBe(500);
      expect(answer.body).toContain('soap:Fault');
      expect(answer.body).not.toContain('root:');
      expect((await as(hub.app, await hub.token('hanoi')).get(`/v1/dossiers/${code}`)).statusCode).toBe(404);
    });
  });

  it('serves a one-stop system over real HTTP, unchanged: login, then its recorded messages as they are', async () => {
    const base = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    const code = dossierCode();
    const post = async (path: string, body: unknown) => (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Record<string, any>>;
    const { session: own } = await post('/compat/dvcqg/login', { username: 'hanoi', password: SECRETS.hanoi });
    expect(await post('/compat/dvcqg/service', { ...DONG_BO, session: own, data: [{ ...DONG_BO.data[0], MaHoSo: code }] })).toMatchObject({ error_code: 0 });
    expect(await post('/compat/dvcqg/service', { ...TIEN_DO, session: own, data: [{ ...TIEN_DO.data[0], MaHoSo: code }] })).toMatchObject({ error_code: 0 });
    expect(await post('/compat/dvcqg/service', { session: own, madonvi: '000.00.00.H26', service: 'TraCuuHoSo', data: [{ MaHoSo: code }] })).toMatchObject({ result: [expect.objectContaining({ MaHoSo: code, TrangThaiHoSo: 4 })] });
  });
});
