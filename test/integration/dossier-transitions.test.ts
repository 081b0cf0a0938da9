import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

/** The contract's table (api-contract.md), restated here so that a wrong table in src/ fails this test. */
const WORK = ['PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'WITHDRAWAL_REQUESTED', 'STOPPED', 'RESOLVED'];
const CONTRACT: Record<string, string[]> = {
  SUBMITTED: ['RECEIVED', 'REJECTED', 'WITHDRAWAL_REQUESTED'],
  RECEIVED: WORK,
  PROCESSING: WORK,
  SUPPLEMENT_REQUESTED: ['PROCESSING', 'STOPPED', 'WITHDRAWAL_REQUESTED'],
  PAYMENT_REQUESTED: ['PROCESSING', 'RESOLVED', 'STOPPED', 'WITHDRAWAL_REQUESTED'],
  WITHDRAWAL_REQUESTED: ['STOPPED', 'PROCESSING'],
  RESOLVED: ['RESULT_RETURNED'],
  REJECTED: [],
  STOPPED: [],
  RESULT_RETURNED: [],
};
const STATUSES = Object.keys(CONTRACT);
/** A way to reach each status from a new online dossier. */
const PATH_TO: Record<string, string[]> = {
  SUBMITTED: ['SUBMITTED'],
  RECEIVED: ['RECEIVED'],
  REJECTED: ['REJECTED'],
  PROCESSING: ['RECEIVED', 'PROCESSING'],
  SUPPLEMENT_REQUESTED: ['RECEIVED', 'SUPPLEMENT_REQUESTED'],
  PAYMENT_REQUESTED: ['RECEIVED', 'PAYMENT_REQUESTED'],
  WITHDRAWAL_REQUESTED: ['SUBMITTED', 'WITHDRAWAL_REQUESTED'],
  STOPPED: ['RECEIVED', 'STOPPED'],
  RESOLVED: ['RECEIVED', 'RESOLVED'],
  RESULT_RETURNED: ['RECEIVED', 'RESOLVED', 'RESULT_RETURNED'],
};

const at = (minute: number) => `2026-11-24T09:${String(minute).padStart(2, '0')}:00+07:00`;

describeEachEngine('dossier transitions', (engine) => {
  let hub: TestHub;
  let h26: ReturnType<typeof as>;
  beforeAll(async () => {
    hub = await startTestHub(engine);
    h26 = as(hub.app, await hub.token('hanoi'));
  });
  afterAll(() => hub.close());

  it('allows exactly the moves of the contract’s table, for every pair of statuses', async () => {
    const cases = STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to, code: newDossierCode() })));
    const events = cases.flatMap(({ from, to, code }) => [
      ...PATH_TO[from]!.map((status, i) => ({ dossierCode: code, status, occurredAt: at(i), ...(i === 0 ? { dossier: dossierHeader() } : {}) })),
      { dossierCode: code, status: to, occurredAt: at(10) },
    ]);
    const response = await h26.post('/v1/dossier-events', { events });
    expect(response.statusCode).toBe(200);
    const results = response.json().results as { index: number; status: number; code?: string }[];
    let index = 0;
    for (const { from, to } of cases) {
      const path = results.slice(index, index + PATH_TO[from]!.length);
      expect(path.every((r) => r.status === 201)).toBe(true);
      index += PATH_TO[from]!.length;
      const last = results[index++]!;
      const allowed = CONTRACT[from]!.includes(to);
      expect({ from, to, status: last.status, code: last.code }).toEqual({ from, to, status: allowed ? 201 : 409, code: allowed ? undefined : 'DOSSIER_TRANSITION_NOT_ALLOWED' });
    }
  });

  it.each([
    ['ONLINE', ['SUBMITTED', 'RECEIVED', 'REJECTED']],
    ['DIRECT', ['RECEIVED']],
    ['POSTAL', ['RECEIVED']],
  ])('lets a new %s dossier start only in %j', async (channel, allowed) => {
    for (const status of STATUSES) {
      const code = newDossierCode();
      expect((await h26.put(`/v1/dossiers/${code}`, dossierHeader('000.00.00.H26', { channel }))).statusCode).toBe(201);
      const response = await h26.post(`/v1/dossiers/${code}/events`, { status, occurredAt: at(1) });
      expect([status, response.statusCode]).toEqual([status, allowed.includes(status) ? 201 : 409]);
    }
  });

  it('refuses a move the table does not allow with from and to, and keeps it in the timeline as evidence', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(1) });
    const refused = await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESULT_RETURNED', occurredAt: at(2) });
    expect(refused.statusCode).toBe(409);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'DOSSIER_TRANSITION_NOT_ALLOWED', from: 'RECEIVED', to: 'RESULT_RETURNED', status: 409 });
    const dossier = (await h26.get(`/v1/dossiers/${code}`)).json();
    expect(dossier.status).toBe('RECEIVED');
    expect(dossier.timeline.map((e: { status: string; applied: boolean; code?: string }) => [e.status, e.applied, e.code])).toEqual([
      ['RECEIVED', true, undefined],
      ['RESULT_RETURNED', false, 'DOSSIER_TRANSITION_NOT_ALLOWED'],
    ]);
  });

  it('allows a hand-over PROCESSING → PROCESSING between units', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    for (const [i, status] of ['RECEIVED', 'PROCESSING', 'PROCESSING', 'PROCESSING'].entries()) {
      expect((await h26.post(`/v1/dossiers/${code}/events`, { status, occurredAt: at(i), actor: { name: `Cán bộ ${i}`, unit: `Phòng ${i}` } })).statusCode).toBe(201);
    }
  });

  it('accepts a status as its portal code 1–10 and answers both name and code', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    const response = await h26.post(`/v1/dossiers/${code}/events`, { status: 2, occurredAt: at(1) });
    expect(response.json()).toMatchObject({ status: 'RECEIVED', statusCode: 2 });
    const bad = await h26.post(`/v1/dossiers/${code}/events`, { status: 11, occurredAt: at(2) });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('/status');
    const asText = await h26.post(`/v1/dossiers/${code}/events`, { status: '4', occurredAt: at(2) });
    expect(asText.statusCode).toBe(422);
  });
});
