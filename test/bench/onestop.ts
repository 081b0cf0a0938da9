import { withFreshDatabase } from './databases';
import { CLIENT_ID, CLIENT_SECRET, dossierCodes, fetchAccessToken, prepareDossiers, withHub } from './hub';
import { type LoadResult, measureLoad } from './load';
import { rotating, type Timing } from './scenarios';

/**
 * One-stop adapters under load: the portal's native DongBoHoSoMC path against the canonical
 * single-event path (target: within 80 % of it, measured in the same run on the same prepared
 * dossiers), and routing online submissions into pull inboxes (target >= 2,000/s).
 */
const AGENCY_CODE = '000.00.00.H26';

/** A DongBoHoSoMC of one dossier at PROCESSING: its header (unchanged after the first) and its status, timed by the hub's receipt. */
function dongBoHoSoMC(session: string, code: string): string {
  return JSON.stringify({
    session,
    madonvi: AGENCY_CODE,
    service: 'DongBoHoSoMC',
    isUpdating: 'True',
    data: [
      {
        MaHoSo: code,
        MaTTHC: '1.001193',
        TenTTHC: 'Thủ tục đăng ký khai sinh',
        KenhThucHien: '2',
        ChuHoSo: 'Bench',
        LoaiDoiTuong: '1',
        NgayTiepNhan: '20261124083015',
        TrangThaiHoSo: '4',
      },
    ],
  });
}

export interface NativeSyncResult extends LoadResult {
  /** Answers whose error_code was not 0 (an item refused): the measurement then does not count. */
  refused: number;
}

export function nativeSync(timing: Timing, connections: number, dossierCount: number): Promise<NativeSyncResult> {
  return withFreshDatabase(async (databaseUrl) => {
    let refused = 0;
    const run = await withHub('hub (DongBoHoSoMC)', databaseUrl, async (hub) => {
      const token = await fetchAccessToken(hub);
      const codes = dossierCodes(dossierCount);
      await prepareDossiers(hub, token, codes);
      const login = await fetch(`${hub.baseUrl}/compat/dvcqg/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: CLIENT_ID, password: CLIENT_SECRET }) });
      const { session } = (await login.json()) as { session: string };
      const next = rotating(codes.map((code) => ({ path: '/compat/dvcqg/service', body: dongBoHoSoMC(session, code) })));
      return measureLoad({
        ...timing,
        baseUrl: hub.baseUrl,
        connections,
        headers: { 'content-type': 'application/json' },
        nextRequest: next,
        onResponse: (_status, body) => {
          if (!body.startsWith('{"error_code":0')) refused++;
        },
      });
    });
    return { ...run.value, refused };
  });
}

export function submissionRouting(timing: Timing, connections: number): Promise<LoadResult> {
  return withFreshDatabase(async (databaseUrl) => {
    const run = await withHub('hub (submissions into inboxes)', databaseUrl, async (hub) => {
      const token = await fetchAccessToken(hub);
      const day = '261124';
      let counter = 0;
      const header = JSON.stringify({ agencyCode: AGENCY_CODE, procedureCode: '1.001193', channel: 'ONLINE', applicant: { type: 'CITIZEN', name: 'Bench' }, receivedAt: '2026-11-24T08:30:15+07:00' });
      return measureLoad({
        ...timing,
        baseUrl: hub.baseUrl,
        connections,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        // Each request a new dossier: a repeat would be answered as a replay.
        nextRequest: () => ({
          path: '/v1/submissions',
          body: `{"dossierCode":"${AGENCY_CODE}-${day}-${++counter}","submittedAt":"2026-11-24T08:30:15+07:00","dossier":${header}}`,
        }),
      });
    });
    return run.value;
  });
}
