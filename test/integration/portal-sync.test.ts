import { describeEachEngine } from '../support/databases';
import { type PortalSimulator, startPortalSimulator } from '../support/onestop-simulators/portal-simulator';
import { TEST_PARTIES } from '../support/parties';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';
import { until as waitFor } from '../support/until';

/**
 * The outbound sync to the national portal, against the portal simulator over HTTP: every
 * accepted dossier reaches the portal in its own format (create, then updates), progress in
 * chunks of 10; an expired session is logged in again; an outage is waited out and nothing is
 * lost; a refused dossier is sent again by the catch-up.
 */
const at = (minute: number) => `2026-11-24T10:${String(minute).padStart(2, '0')}:00+07:00`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachEngine('outbound sync to the national portal', (engine) => {
  let hub: TestHub;
  let portal: PortalSimulator;

  beforeAll(async () => {
    portal = await startPortalSimulator();
    const portalParty = TEST_PARTIES.find((p) => p.code === 'dvcqg')!;
    hub = await startTestHub(engine, {
      parties: [
        ...TEST_PARTIES.filter((p) => p !== portalParty),
        { ...portalParty, portalSync: { baseUrl: portal.url, username: portal.credentials.username, password: portal.credentials.password, dstcode: portal.credentials.dstcode, agencyCode: portal.credentials.madonvi } },
      ],
    });
  });
  afterAll(async () => {
    await hub?.close();
    await portal?.stop();
  });

  const until = (what: string, probe: () => boolean) => waitFor(what, probe, { wake: () => hub.app.hub.portalSync!.wake(), intervalMs: 25 });

  it('creates the dossier at the portal, then updates it, and sends its progress in chunks of 10', async () => {
    const code = newDossierCode();
    const h26 = as(hub.app, await hub.token('hanoi'));
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(0) });
    // Eleven processing steps: two progress calls (10 + 1).
    for (let step = 1; step <= 11; step++) await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(step), actor: { name: `Cán bộ ${step}` } });
    await until('all eleven steps at the portal', () => portal.received(code).filter((r) => r.service === 'CapNhatTienDoHoSoMC').length >= 11);
    const received = portal.received(code);
    // The applicant's identity number in full: the portal needs it, the events carry it masked.
    expect(received[0]).toMatchObject({ service: 'DongBoHoSoMC', isUpdating: false, item: expect.objectContaining({ MaHoSo: code, SoGiayToChuHoSo: '001190099999' }) });
    const progressCalls = portal.calls.filter((c) => c.body.includes('CapNhatTienDoHoSoMC') && c.body.includes(code) && c.answeredWith === 200);
    expect(progressCalls.every((c) => (JSON.parse(c.body).data as unknown[]).length <= 10)).toBe(true);

    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESOLVED', occurredAt: at(30) });
    await until('the update', () => portal.received(code).some((r) => r.service === 'DongBoHoSoMC' && r.isUpdating === true));
  });

  it('logs in again when the portal expires the session', async () => {
    const code = newDossierCode();
    portal.expireSessions();
    const h26 = as(hub.app, await hub.token('hanoi'));
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(0) });
    await until('the dossier at the portal', () => portal.received(code).length > 0);
  });

  it('waits out a portal outage and loses nothing', async () => {
    portal.down(true);
    const codes = [newDossierCode(), newDossierCode()];
    const h26 = as(hub.app, await hub.token('hanoi'));
    for (const code of codes) {
      await h26.put(`/v1/dossiers/${code}`, dossierHeader());
      await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(0) });
    }
    await sleep(300);
    expect(codes.every((code) => portal.received(code).length === 0)).toBe(true);
    portal.down(false);
    await until('both dossiers at the portal', () => codes.every((code) => portal.received(code).length > 0));
  });

  it('sends a dossier the portal refused again with the catch-up: a create the portal already had goes as an update', async () => {
    const code = newDossierCode();
    // Someone created it at the portal first (an older direct integration).
    const login = await fetch(`${portal.url}/auth`, { method: 'POST', headers: { 'content-type': 'application/json', dstcode: portal.credentials.dstcode }, body: JSON.stringify({ username: portal.credentials.username, password: portal.credentials.password }) });
    const { session } = (await login.json()) as { session: string };
    const direct = await fetch(`${portal.url}/integration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        session,
        madonvi: portal.credentials.madonvi,
        service: 'DongBoHoSoMC',
        isUpdating: 'False',
        data: [{ MaHoSo: code, MaTTHC: '1.001193', ChuHoSo: 'Bùi Thị Lan', LoaiDoiTuong: '1', KenhThucHien: '2', NgayTiepNhan: '20261124083015', TrangThaiHoSo: '2' }],
      }),
    });
    expect(((await direct.json()) as { error_code: number }).error_code).toBe(0);

    const h26 = as(hub.app, await hub.token('hanoi'));
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(0) });
    const refused = async () => hub.database.db.selectFrom('portal_sync').selectAll().where('dossier_code', '=', code).executeTakeFirst();
    const deadline = Date.now() + 10_000;
    while (!(await refused())?.failed_at && Date.now() < deadline) {
      hub.app.hub.portalSync!.wake();
      await sleep(25);
    }
    expect(await refused()).toMatchObject({ known: true, failed_at: expect.any(Date) });

    expect(await hub.app.hub.portalSync!.catchUp()).toBeGreaterThanOrEqual(1);
    expect(portal.received(code).some((r) => r.service === 'DongBoHoSoMC' && r.isUpdating === true)).toBe(true);
    expect(await refused()).toMatchObject({ known: true, failed_at: null, last_error: null });
  });
});
