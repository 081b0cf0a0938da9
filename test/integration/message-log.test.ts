import { sql } from 'kysely';
import { verifyChain } from '../../src/audit/message-log';
import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

/** The log is written as requests finish: wait for the records of requests already answered, then seal them. */
async function settled(hub: TestHub, expected: number) {
  for (let i = 0; i < 100; i++) {
    const { n } = await hub.database.db.selectFrom('message_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    if (Number(n) >= expected) return hub.app.hub.sealer.flush();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${expected} message-log records arrived`);
}

describeEachEngine('message log', (engine) => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startTestHub(engine)));
  afterAll(() => hub.close());


  it('records every inbound message, accepted or refused, with party, request id, body hash and outcome', async () => {
    const h26 = as(hub.app, await hub.token('hanoi'));
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader(), { 'x-request-id': 'log-put' });
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESULT_RETURNED', occurredAt: '2026-11-24T09:00:00+07:00' }, { 'x-request-id': 'log-refused' });
    await h26.get(`/v1/dossiers/${code}`, { 'x-request-id': 'log-read' });
    await hub.app.inject({ method: 'GET', url: '/v1/dossiers', headers: { 'x-request-id': 'log-anonymous' } });
    await settled(hub, 5);
    // Reads and edge refusals are recorded after their answer, so the log's order need not be the requests' order.
    const rows = await hub.database.db.selectFrom('message_log').selectAll().where('request_id', 'like', 'log-%').orderBy('request_id').execute();
    expect(rows.map((r) => [r.request_id, r.party_code, r.status_code, r.outcome])).toEqual([
      ['log-anonymous', null, 401, 'UNAUTHENTICATED'],
      ['log-put', '000.00.00.H26', 201, 'OK'],
      ['log-read', '000.00.00.H26', 200, 'OK'],
      ['log-refused', '000.00.00.H26', 409, 'DOSSIER_TRANSITION_NOT_ALLOWED'],
    ]);
    expect(rows.find((r) => r.request_id === 'log-put')!.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyChain(hub.database.db)).toMatchObject({ ok: true, unsealed: 0 });
  });

  it('names the first record whose content was altered', async () => {
    const seal = await hub.database.db.selectFrom('message_log_seals').selectAll().orderBy('seal', 'desc').executeTakeFirstOrThrow();
    const id = Number(seal.record_ids[0]);
    await sql`UPDATE message_log SET status_code = 299 WHERE id = ${id}`.execute(hub.database.db);
    expect(await verifyChain(hub.database.db)).toMatchObject({ ok: false, brokenSeq: Number(seal.first_number), recordId: id, reason: expect.stringContaining('altered') });
  });

  it('notices a record slipped in below the sealed horizon', async () => {
    const fresh = await startTestHub(engine);
    try {
      await as(fresh.app, await fresh.token('hanoi')).get('/v1/dossiers');
      await settled(fresh, 2);
      expect(await verifyChain(fresh.database.db)).toMatchObject({ ok: true, unsealed: 0 });
      // A forged record written with an old transaction id, as if it had always been there.
      await sql`INSERT INTO message_log (recorded_at, request_id, method, path, status_code, outcome, txid) VALUES (now(), 'forged', 'POST', '/v1/x', 201, 'OK', '1')`.execute(fresh.database.db);
      expect(await verifyChain(fresh.database.db)).toMatchObject({ ok: false, reason: expect.stringContaining('not in the chain') });
    } finally {
      await fresh.close();
    }
  });
});
