import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

const at = (minute: number) => `2026-11-24T11:${String(minute).padStart(2, '0')}:00+07:00`;
const result = {
  outcome: 'GRANTED',
  decisionNumber: '123/QĐ-UBND',
  issuedAt: at(30),
  issuer: { agencyCode: '000.00.00.H26', signerName: 'Nguyễn Văn An', signerTitle: 'Chủ tịch' },
  documents: [{ name: 'giay-khai-sinh.pdf', mediaType: 'application/pdf', sha256: 'a'.repeat(64), size: 1234 }],
  returnMethod: 'ELECTRONIC',
};

describeEachEngine('dossier headers, results and reads', (engine) => {
  let hub: TestHub;
  let h26: ReturnType<typeof as>;
  let mof: ReturnType<typeof as>;
  let portal: ReturnType<typeof as>;
  beforeAll(async () => {
    hub = await startTestHub(engine);
    h26 = as(hub.app, await hub.token('hanoi'));
    mof = as(hub.app, await hub.token('mof'));
    portal = as(hub.app, await hub.token('portal'));
  });
  afterAll(() => hub.close());

  const eventsOf = async (code: string) => (await hub.database.db.selectFrom('outbox').select(['event_type', 'payload']).where('aggregate_id', '=', code).orderBy('id').execute());

  it('creates a header with 201, replaces it with 200, and treats an identical PUT as no change', async () => {
    const code = newDossierCode();
    expect((await h26.put(`/v1/dossiers/${code}`, dossierHeader())).statusCode).toBe(201);
    expect((await h26.put(`/v1/dossiers/${code}`, dossierHeader())).statusCode).toBe(200);
    expect(await eventsOf(code)).toHaveLength(1);
    const replaced = await h26.put(`/v1/dossiers/${code}`, dossierHeader('000.00.00.H26', { summary: 'Đăng ký khai sinh cho con' }));
    expect([replaced.statusCode, replaced.json().summary]).toEqual([200, 'Đăng ký khai sinh cho con']);
    const events = await eventsOf(code);
    expect(events.map((e) => e.event_type)).toEqual(['vn.gov.dvc.dossier.upserted.v1', 'vn.gov.dvc.dossier.upserted.v1']);
    expect(events[0]!.payload).toMatchObject({ specversion: '1.0', subject: code, source: '/parties/000.00.00.H26', data: { dossierCode: code, applicant: { idNumber: '********9999' } } });
  });

  it.each([
    ['an agency outside the caller’s jurisdiction', '000.00.00.G12-261124-0001', dossierHeader('000.00.00.G12'), 403, 'FORBIDDEN', undefined],
    ['an agency that is not the code’s agency part', '000.00.00.H26-261124-7001', dossierHeader('000.00.01.H26'), 422, 'VALIDATION_FAILED', '/agencyCode'],
    ['an unknown field', '000.00.00.H26-261124-7002', { ...dossierHeader(), colour: 'blue' }, 422, 'VALIDATION_FAILED', '/colour'],
    ['an amount sent as a string', '000.00.00.H26-261124-7003', dossierHeader('000.00.00.H26', { fees: [{ name: 'Lệ phí', amount: '50000' }] }), 422, 'VALIDATION_FAILED', '/fees/0/amount'],
    ['a date without offset', '000.00.00.H26-261124-7004', dossierHeader('000.00.00.H26', { receivedAt: '2026-11-24T08:30:15' }), 422, 'VALIDATION_FAILED', '/receivedAt'],
    ['a day that does not exist', '000.00.00.H26-261124-7008', dossierHeader('000.00.00.H26', { dueAt: '2027-02-30T17:00:00+07:00' }), 422, 'VALIDATION_FAILED', '/dueAt'],
    ['a due date before receipt', '000.00.00.H26-261124-7005', dossierHeader('000.00.00.H26', { dueAt: '2026-11-01T08:00:00+07:00' }), 422, 'VALIDATION_FAILED', '/dueAt'],
    ['a missing applicant name', '000.00.00.H26-261124-7006', dossierHeader('000.00.00.H26', { applicant: { type: 'CITIZEN' } }), 422, 'VALIDATION_FAILED', '/applicant/name'],
    ['a dossier code of the wrong shape', 'not-a-code', dossierHeader(), 422, 'VALIDATION_FAILED', '/dossierCode'],
  ])('refuses a header with %s', async (_what, code, body, status, errorCode, path) => {
    const response = await h26.put(`/v1/dossiers/${code}`, body);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json().code).toBe(errorCode);
    if (path) expect(response.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('accepts a ministry’s dossier-code variant', async () => {
    const response = await mof.put('/v1/dossiers/G12.20-20260609-0092637', dossierHeader('000.00.00.G12'));
    expect(response.statusCode).toBe(201);
  });

  it('syncs a result only once the dossier is resolved, then replaces it', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(1) });
    const early = await h26.put(`/v1/dossiers/${code}/result`, result);
    expect([early.statusCode, early.json().code]).toEqual([409, 'DOSSIER_RESULT_NOT_ALLOWED']);
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESOLVED', occurredAt: at(2) });
    const first = await h26.put(`/v1/dossiers/${code}/result`, result);
    expect(first.statusCode).toBe(201);
    expect(first.json().result).toMatchObject({ outcome: 'GRANTED', decisionNumber: '123/QĐ-UBND', issuedAt: at(30) });
    expect((await h26.put(`/v1/dossiers/${code}/result`, result)).statusCode).toBe(200);
    expect((await h26.put(`/v1/dossiers/${code}/result`, { ...result, note: 'Bản sửa' })).statusCode).toBe(200);
    expect((await eventsOf(code)).filter((e) => e.event_type === 'vn.gov.dvc.dossier.result_synced.v1')).toHaveLength(2);
  });

  it('requires at least one document for a granted result', async () => {
    const code = newDossierCode();
    const response = await h26.put(`/v1/dossiers/${code}/result`, { ...result, documents: [] });
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/documents' }] });
  });

  it('shows the applicant’s number to the owner only, lets the portal read everything and other parties nothing', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    expect((await h26.get(`/v1/dossiers/${code}`)).json().applicant.idNumber).toBe('001190099999');
    expect((await portal.get(`/v1/dossiers/${code}`)).json().applicant.idNumber).toBe('********9999');
    const foreign = await mof.get(`/v1/dossiers/${code}`);
    expect([foreign.statusCode, foreign.json().code]).toEqual([403, 'FORBIDDEN']);
    expect((await h26.get(`/v1/dossiers/${newDossierCode()}`)).json().code).toBe('DOSSIER_NOT_FOUND');
  });

  it('lists the caller’s dossiers newest first, page by page, with filters', async () => {
    const codes: string[] = [];
    for (let day = 1; day <= 7; day++) {
      const code = `000.00.07.H26-2611${String(day).padStart(2, '0')}-0001`;
      codes.push(code);
      await h26.put(`/v1/dossiers/${code}`, dossierHeader('000.00.07.H26', { receivedAt: `2026-11-${String(day).padStart(2, '0')}T08:00:00+07:00`, dueAt: '2026-11-20T17:00:00+07:00' }));
    }
    await h26.post(`/v1/dossiers/${codes[0]}/events`, { status: 'RECEIVED', occurredAt: '2026-11-01T09:00:00+07:00' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await h26.get(`/v1/dossiers?agencyCode=000.00.07.H26&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((d: { dossierCode: string }) => d.dossierCode));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([...codes].reverse());
    const received = (await h26.get('/v1/dossiers?agencyCode=000.00.07.H26&status=RECEIVED')).json().items;
    expect(received.map((d: { dossierCode: string }) => d.dossierCode)).toEqual([codes[0]]);
    const byCode = (await h26.get('/v1/dossiers?agencyCode=000.00.07.H26&status=2')).json().items;
    expect(byCode).toHaveLength(1);
    const window = (await h26.get(`/v1/dossiers?agencyCode=000.00.07.H26&receivedFrom=${encodeURIComponent('2026-11-03T00:00:00+07:00')}&receivedTo=${encodeURIComponent('2026-11-05T00:00:00+07:00')}`)).json().items;
    expect(window.map((d: { dossierCode: string }) => d.dossierCode)).toEqual([codes[3], codes[2]]);
    expect((await h26.get('/v1/dossiers?agencyCode=000.00.07.H26&overdue=true')).json().items).toHaveLength(7);
    expect((await mof.get('/v1/dossiers?limit=500')).json().items.every((d: { agencyCode: string }) => d.agencyCode.endsWith('.G12'))).toBe(true);
    expect((await portal.get('/v1/dossiers?agencyCode=000.00.07.H26')).json().items).toHaveLength(7);
    expect((await mof.get('/v1/dossiers?agencyCode=000.00.07.H26')).statusCode).toBe(403);
    expect((await h26.get('/v1/dossiers?cursor=bm90LWEtY3Vyc29y')).json().errors[0]).toMatchObject({ path: '/cursor', in: 'query' });
    expect((await h26.get('/v1/dossiers?limit=501')).json().errors[0]).toMatchObject({ path: '/limit', in: 'query' });
  });

  it('applies or refuses each item of a batch on its own, creating dossiers from item headers', async () => {
    const fresh = newDossierCode();
    const unknown = newDossierCode();
    const response = await h26.post('/v1/dossier-events', {
      events: [
        { dossierCode: fresh, status: 'RECEIVED', occurredAt: at(1), dossier: dossierHeader() },
        { dossierCode: fresh, status: 'PROCESSING', occurredAt: at(2), sequence: 7 },
        { dossierCode: unknown, status: 'RECEIVED', occurredAt: at(1) },
        { dossierCode: fresh, status: 'RESULT_RETURNED', occurredAt: at(3) },
        { dossierCode: '000.00.00.G12-261124-0099', status: 'RECEIVED', occurredAt: at(1), dossier: dossierHeader('000.00.00.G12') },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().results.map((r: { index: number; status: number; code?: string }) => [r.index, r.status, r.code])).toEqual([
      [0, 201, undefined],
      [1, 201, undefined],
      [2, 404, 'DOSSIER_NOT_FOUND'],
      [3, 409, 'DOSSIER_TRANSITION_NOT_ALLOWED'],
      [4, 403, 'FORBIDDEN'],
    ]);
    expect((await h26.get(`/v1/dossiers/${fresh}`)).json().status).toBe('PROCESSING');
  });

  it('refuses a batch of more than 1,000 events with the path of the list', async () => {
    const code = newDossierCode();
    const events = Array.from({ length: 1001 }, () => ({ dossierCode: code, status: 'PROCESSING', occurredAt: at(1) }));
    const response = await h26.post('/v1/dossier-events', { events });
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/events' }] });
  });
});
