import { sql } from 'kysely';
import { verifyChain } from '../../src/audit/message-log';
import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

describeEachEngine('message log', (engine) => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startTestHub(engine)));
  afterAll(() => hub.close());

  /** The log is written as requests finish; wait for the ones already answered. */
  async function settled(expected: number) {
    for (let i = 0; i < 100; i++) {
      const { n } = await hub.database.db.selectFrom('message_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      if (Number(n) >= expected) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('records every inbound message, accepted or refused, with party, request id, body hash and outcome', async () => {
    const h26 = as(hub.app, await hub.token('hanoi'));
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader(), { 'x-request-id': 'log-put' });
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESULT_RETURNED', occurredAt: '2026-11-24T09:00:00+07:00' }, { 'x-request-id': 'log-refused' });
    await h26.get(`/v1/dossiers/${code}`, { 'x-request-id': 'log-read' });
    await hub.app.inject({ method: 'GET', url: '/v1/dossiers', headers: { 'x-request-id': 'log-anonymous' } });
    await settled(5);
    const rows = await hub.database.db.selectFrom('message_log').selectAll().where('request_id', 'like', 'log-%').orderBy('seq').execute();
    expect(rows.map((r) => [r.request_id, r.party_code, r.status_code, r.outcome])).toEqual([
      ['log-put', '000.00.00.H26', 201, 'OK'],
      ['log-refused', '000.00.00.H26', 409, 'DOSSIER_TRANSITION_NOT_ALLOWED'],
      ['log-read', '000.00.00.H26', 200, 'OK'],
      ['log-anonymous', null, 401, 'UNAUTHENTICATED'],
    ]);
    expect(rows[0]!.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyChain(hub.database.db)).toMatchObject({ ok: true });
  });

  it('names the first record whose content was altered', async () => {
    const { seq } = await hub.database.db.selectFrom('message_log').select('seq').orderBy('seq').offset(2).limit(1).executeTakeFirstOrThrow();
    await sql`UPDATE message_log SET status_code = 200 WHERE seq = ${seq}`.execute(hub.database.db);
    expect(await verifyChain(hub.database.db)).toMatchObject({ ok: false, brokenSeq: Number(seq), reason: expect.stringContaining('altered') });
  });
});
