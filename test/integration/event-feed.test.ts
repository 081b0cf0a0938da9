import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, startTestHub } from '../support/test-hub';

interface CloudEvent {
  id: string;
  type: string;
  subject: string;
  source: string;
  requestid: string;
  data: Record<string, unknown>;
}

describeEachEngine('event feed', (engine) => {
  let hub: TestHub;
  let h26: ReturnType<typeof as>;
  let mof: ReturnType<typeof as>;
  let portal: ReturnType<typeof as>;
  beforeAll(async () => {
    hub = await startTestHub(engine);
    h26 = as(hub.app, await hub.token('hanoi'));
    mof = as(hub.app, await hub.token('mof'));
    portal = as(hub.app, await hub.token('portal'));
    await h26.put('/v1/dossiers/000.00.00.H26-261124-0001', dossierHeader());
    await mof.put('/v1/dossiers/000.00.00.G12-261124-0001', dossierHeader('000.00.00.G12'));
    await h26.post('/v1/dossiers/000.00.00.H26-261124-0001/events', { status: 'RECEIVED', occurredAt: '2026-11-24T09:00:00+07:00', sequence: 1 }, { 'x-request-id': 'req-received' });
    await mof.post('/v1/dossiers/000.00.00.G12-261124-0001/events', { status: 'RECEIVED', occurredAt: '2026-11-24T09:00:00+07:00' });
  });
  afterAll(() => hub.close());

  async function readAll(client: ReturnType<typeof as>, query = '', limit = 2): Promise<CloudEvent[]> {
    await hub.app.hub.sealer.flush();
    const events: CloudEvent[] = [];
    let after = '';
    for (;;) {
      const page = await client.get(`/v1/events?limit=${limit}${query}${after ? `&after=${after}` : ''}`);
      expect(page.statusCode).toBe(200);
      const { items, nextCursor } = page.json() as { items: CloudEvent[]; nextCursor: string };
      events.push(...items);
      expect(nextCursor).toEqual(expect.any(String));
      if (items.length === 0) return events;
      after = nextCursor;
    }
  }

  it('serves every event in commit order, page by page, to the portal', async () => {
    const events = await readAll(portal);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['vn.gov.dvc.dossier.upserted.v1', '000.00.00.H26-261124-0001'],
      ['vn.gov.dvc.dossier.upserted.v1', '000.00.00.G12-261124-0001'],
      ['vn.gov.dvc.dossier.status_changed.v1', '000.00.00.H26-261124-0001'],
      ['vn.gov.dvc.dossier.status_changed.v1', '000.00.00.G12-261124-0001'],
    ]);
    expect(events[2]).toMatchObject({
      specversion: '1.0',
      source: '/parties/000.00.00.H26',
      datacontenttype: 'application/json',
      requestid: 'req-received',
      data: { dossierCode: '000.00.00.H26-261124-0001', agencyCode: '000.00.00.H26', status: 'RECEIVED', statusCode: 2, sequence: 1, occurredAt: '2026-11-24T09:00:00+07:00' },
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });

  it('shows a party only the events of its jurisdiction', async () => {
    expect((await readAll(mof, '', 50)).map((e) => e.subject)).toEqual(['000.00.00.G12-261124-0001', '000.00.00.G12-261124-0001']);
    expect((await mof.get('/v1/events?agencyCode=000.00.00.H26')).statusCode).toBe(403);
  });

  it('filters by type and agency, and refuses unknown types and cursors', async () => {
    const changes = await readAll(h26, '&types=vn.gov.dvc.dossier.status_changed.v1', 50);
    expect(changes.map((e) => e.type)).toEqual(['vn.gov.dvc.dossier.status_changed.v1']);
    expect((await readAll(portal, '&agencyCode=000.00.00.G12', 50)).every((e) => e.data.agencyCode === '000.00.00.G12')).toBe(true);
    expect((await h26.get('/v1/events?types=vn.gov.dvc.nothing.v1')).json().errors[0]).toMatchObject({ path: '/types', in: 'query' });
    expect((await h26.get('/v1/events?after=%%%')).json().errors[0]).toMatchObject({ path: '/cursor' });
  });

  it('continues from a cursor with only what was committed after it', async () => {
    await hub.app.hub.sealer.flush();
    const first = (await portal.get('/v1/events?limit=500')).json();
    await h26.post('/v1/dossiers/000.00.00.H26-261124-0001/events', { status: 'PROCESSING', occurredAt: '2026-11-24T09:05:00+07:00', sequence: 2 });
    await hub.app.hub.sealer.flush();
    const next = (await portal.get(`/v1/events?after=${first.nextCursor}`)).json();
    expect(next.items.map((e: CloudEvent) => e.data.status)).toEqual(['PROCESSING']);
  });
});
