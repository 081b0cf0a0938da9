import type { PartyDeclaration } from '../../src/parties/party';
import { describeEachEngine } from '../support/databases';
import { type ProvinceSimulator, startProvinceSimulator } from '../support/onestop-simulators/province-simulator';
import { type TestHub, as, startTestHub } from '../support/test-hub';
import { until as waitFor } from '../support/until';

/**
 * Routing online submissions (the portal → the responsible agency): pushed to a province's
 * one-stop system in the portal's own format (here its simulator over HTTP), in order, retried
 * through an outage of hours (the pusher's clock is the test's); or held in a ministry's inbox
 * until it acknowledges them. The dossier is SUBMITTED through the canonical dossier service.
 */
const SECRET = { portal: 'portal-submit-secret-0123', hanoi: 'hanoi-submit-secret-0123', mof: 'mof-submit-secret-01234' };

function parties(provinceUrl: string): PartyDeclaration[] {
  return [
    { code: 'dvcqg', name: 'National portal', kind: 'PORTAL', jurisdiction: ['*'], scopes: ['dossiers:write', 'dossiers:read'], clients: [{ clientId: 'portal', clientSecret: SECRET.portal }] },
    {
      code: '000.00.00.H26',
      name: 'Hà Nội one-stop system',
      kind: 'PROVINCE',
      jurisdiction: ['*.H26'],
      scopes: ['dossiers:write', 'dossiers:read'],
      clients: [{ clientId: 'hanoi', clientSecret: SECRET.hanoi }],
      submissions: { delivery: 'PUSH', url: provinceUrl, adapter: 'dvcqg', authorization: 'Bearer province-token' },
    },
    { code: '000.00.00.G12', name: 'Ministry of Finance', kind: 'MINISTRY', jurisdiction: ['*.G12'], scopes: ['dossiers:write', 'dossiers:read'], clients: [{ clientId: 'mof', clientSecret: SECRET.mof }] },
  ];
}

const header = (agencyCode: string) => ({
  agencyCode,
  procedureCode: '1.001193',
  procedureName: 'Thủ tục đăng ký khai sinh',
  channel: 'ONLINE',
  applicant: { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '001190099999' },
  receivedAt: '2026-11-24T08:30:15+07:00',
});

let counter = 0;
const code = (agencyCode: string) => `${agencyCode}-261124-${String(++counter).padStart(4, '0')}${process.pid % 100}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachEngine('online submissions routed to agencies', (engine) => {
  let hub: TestHub;
  let province: ProvinceSimulator;
  let clock = Date.now();
  const token = async (client: keyof typeof SECRET) => {
    const answer = await hub.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from(`${client}:${SECRET[client]}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    });
    return answer.json().access_token as string;
  };

  beforeAll(async () => {
    province = await startProvinceSimulator();
    hub = await startTestHub(engine, { parties: parties(province.url), env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, submissionsNow: () => new Date(clock) });
  });
  afterAll(async () => {
    await hub?.close();
    await province?.stop();
  });

  const until = (what: string, probe: () => boolean | Promise<boolean>) => waitFor(what, probe, { wake: () => hub.app.hub.submissions.wake(), timeoutMs: 10_000 });

  const submit = async (dossierCode: string, agencyCode: string, overrides: Record<string, unknown> = {}) =>
    as(hub.app, await token('portal')).post('/v1/submissions', { dossierCode, dossier: header(agencyCode), submittedAt: '2026-11-24T08:30:15+07:00', ...overrides });

  it('pushes a submission to the province in its one-stop format; the dossier is SUBMITTED', async () => {
    const dossierCode = code('000.00.00.H26');
    const answer = await submit(dossierCode, '000.00.00.H26');
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toMatchObject({ dossierCode, targetParty: '000.00.00.H26', delivery: 'PUSH', status: 'PENDING' });
    await until('the push', () => province.dossierCodes().includes(dossierCode));
    const delivered = province.deliveries.find((d) => d.dossierCodes.includes(dossierCode))!;
    expect(delivered.headers.authorization).toBe('Bearer province-token');
    expect(JSON.parse(delivered.body)).toMatchObject({ service: 'DongBoHoSoMC', madonvi: '000.00.00.H26', data: [expect.objectContaining({ MaHoSo: dossierCode, TrangThaiHoSo: expect.anything() })] });
    const dossier = (await as(hub.app, await token('hanoi')).get(`/v1/dossiers/${dossierCode}`)).json();
    expect(dossier).toMatchObject({ status: 'SUBMITTED' });
  });

  it('keeps submissions through an outage of hours and delivers them in order when the province returns', async () => {
    province.down(true);
    const codes = [code('000.00.00.H26'), code('000.00.00.H26'), code('000.00.00.H26')];
    for (const dossierCode of codes) expect((await submit(dossierCode, '000.00.00.H26')).statusCode).toBe(201);
    await until('refused attempts', () => province.deliveries.filter((d) => d.answeredWith === 503).length >= 1);
    // Hours pass: the pusher keeps retrying, with backoff, the oldest first; nothing overtakes it.
    for (let hour = 0; hour < 3; hour++) {
      clock += 60 * 60_000;
      hub.app.hub.submissions.wake();
      await sleep(50);
    }
    expect(province.deliveries.filter((d) => d.answeredWith === 503).every((d) => d.dossierCodes.join() === codes[0])).toBe(true);
    province.down(false);
    clock += 60 * 60_000;
    await until('all three', () => codes.every((c) => province.dossierCodes().filter((x) => x === c).length > 0 && province.deliveries.some((d) => d.dossierCodes.includes(c) && d.answeredWith === 200)));
    const accepted = province.deliveries.filter((d) => d.answeredWith === 200).flatMap((d) => d.dossierCodes).filter((c) => codes.includes(c));
    expect(accepted).toEqual(codes);
  });

  it('holds a ministry’s submissions in its inbox until it acknowledges them', async () => {
    const first = code('000.00.00.G12');
    const second = code('000.00.00.G12');
    await submit(first, '000.00.00.G12');
    await submit(second, '000.00.00.G12');
    const mof = as(hub.app, await token('mof'));
    const inbox = (await mof.get('/v1/inbox')).json();
    expect(inbox.items.map((i: { dossierCode: string }) => i.dossierCode)).toEqual([first, second]);
    expect(inbox.items[0].dossier).toMatchObject({ agencyCode: '000.00.00.G12', applicant: { name: 'Bùi Thị Lan' } });
    // Another party cannot see or acknowledge them.
    expect((await as(hub.app, await token('hanoi')).get('/v1/inbox')).json().items.filter((i: { dossierCode: string }) => i.dossierCode === first)).toEqual([]);
    expect((await as(hub.app, await token('hanoi')).post(`/v1/inbox/${inbox.items[0].submissionId}/ack`, {})).statusCode).toBe(404);
    // Operators see what waits in inboxes.
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(Number(/hub_submissions_pending\{delivery="PULL"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    const ack = await mof.post(`/v1/inbox/${inbox.items[0].submissionId}/ack`, {});
    expect(ack.json()).toMatchObject({ status: 'ACKNOWLEDGED' });
    expect((await mof.get('/v1/inbox')).json().items.map((i: { dossierCode: string }) => i.dossierCode)).toEqual([second]);
  });

  it('answers a duplicate submission as the first time, and refuses the same dossier with another body', async () => {
    const dossierCode = code('000.00.00.G12');
    const first = await submit(dossierCode, '000.00.00.G12');
    const again = await submit(dossierCode, '000.00.00.G12');
    expect(again.statusCode).toBe(200);
    expect(again.json().submissionId).toBe(first.json().submissionId);
    const other = await submit(dossierCode, '000.00.00.G12', { submittedAt: '2026-11-24T09:00:00+07:00' });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('DOSSIER_ALREADY_SUBMITTED');
  });

  it('refuses an agency no connected system is responsible for', async () => {
    const answer = await submit(code('000.00.00.H49'), '000.00.00.H49');
    expect(answer.statusCode).toBe(422);
    expect(answer.json()).toMatchObject({ code: 'NO_RESPONSIBLE_PARTY', errors: [{ path: '/dossier/agencyCode' }] });
  });
});
