import { buildApp } from '../../src/app';
import { describeEachEngine } from '../support/databases';
import { TEST_PARTIES } from '../support/parties';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

const at = (minute: number) => `2026-11-24T10:${String(minute).padStart(2, '0')}:00+07:00`;

describeEachEngine('dossier status events', (engine) => {
  let hub: TestHub;
  let h26: ReturnType<typeof as>;
  beforeAll(async () => {
    hub = await startTestHub(engine);
    h26 = as(hub.app, await hub.token('hanoi'));
  });
  afterAll(() => hub.close());

  async function receivedDossier(): Promise<string> {
    const code = newDossierCode();
    expect((await h26.put(`/v1/dossiers/${code}`, dossierHeader())).statusCode).toBe(201);
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(0), sequence: 1 })).statusCode).toBe(201);
    return code;
  }
  const outboxCount = async (code: string) =>
    Number((await hub.database.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('aggregate_id', '=', code).executeTakeFirstOrThrow()).n);

  it('applies a replay of the same (dossier, sequence) once, answering 200 the second time', async () => {
    const code = await receivedDossier();
    const event = { status: 'PROCESSING', occurredAt: at(1), sequence: 2, note: 'Thẩm định' };
    expect((await h26.post(`/v1/dossiers/${code}/events`, event)).statusCode).toBe(201);
    const events = await outboxCount(code);
    const replay = await h26.post(`/v1/dossiers/${code}/events`, { ...event, status: 4 });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().timeline).toHaveLength(2);
    expect(await outboxCount(code)).toBe(events);
  });

  it('refuses the same sequence with a different body as SEQUENCE_CONFLICT', async () => {
    const code = await receivedDossier();
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(1), sequence: 2 })).statusCode).toBe(201);
    const conflict = await h26.post(`/v1/dossiers/${code}/events`, { status: 'STOPPED', occurredAt: at(1), sequence: 2 });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('SEQUENCE_CONFLICT');
  });

  it('keeps an event older by sequence in the timeline, unapplied, as STALE_EVENT', async () => {
    const code = await receivedDossier();
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(1), sequence: 5 })).statusCode).toBe(201);
    const stale = await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESOLVED', occurredAt: at(9), sequence: 3 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('STALE_EVENT');
    const dossier = (await h26.get(`/v1/dossiers/${code}`)).json();
    expect(dossier.status).toBe('PROCESSING');
    expect(dossier.timeline.at(-1)).toMatchObject({ status: 'RESOLVED', sequence: 3, applied: false, code: 'STALE_EVENT' });
    // Its replay is answered with the same refusal, and not stored twice.
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'RESOLVED', occurredAt: at(9), sequence: 3 })).json().code).toBe('STALE_EVENT');
    expect((await h26.get(`/v1/dossiers/${code}`)).json().timeline).toHaveLength(3);
  });

  it('judges events without sequence by time: strictly earlier is stale, an equal time is not', async () => {
    const code = newDossierCode();
    await h26.put(`/v1/dossiers/${code}`, dossierHeader());
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'RECEIVED', occurredAt: at(5) })).statusCode).toBe(201);
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(5) })).statusCode).toBe(201);
    const earlier = await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(4) });
    expect(earlier.json().code).toBe('STALE_EVENT');
    // The same instant written in another offset is equal, not older.
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: '2026-11-24T03:05:00Z' })).statusCode).toBe(201);
  });

  it('never interleaves concurrent events of one dossier wrongly', async () => {
    const code = await receivedDossier();
    await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(1), sequence: 2 });
    const sequences = Array.from({ length: 40 }, (_, i) => i + 3).sort(() => Math.random() - 0.5);
    const answers = await Promise.all(sequences.map((sequence) => h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(2), sequence })));
    for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
    const rows = await hub.database.db.selectFrom('dossier_events').select(['sequence', 'applied', 'refusal_code']).where('dossier_code', '=', code).orderBy('id').execute();
    const applied = rows.filter((r) => r.applied).map((r) => Number(r.sequence));
    // In the order they were recorded, applied sequences only ever increase; every refusal is a stale event.
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(rows.filter((r) => !r.applied).every((r) => r.refusal_code === 'STALE_EVENT')).toBe(true);
    expect(rows).toHaveLength(42);
    const dossier = await hub.database.db.selectFrom('dossiers').select('last_sequence').where('code', '=', code).executeTakeFirstOrThrow();
    expect(Number(dossier.last_sequence)).toBe(Math.max(...applied));
    expect(Math.max(...applied)).toBe(42);
  });

  it('never loses an update when two hub nodes write one dossier at the same time', async () => {
    const other = await buildApp({ config: hub.config, database: hub.database, parties: TEST_PARTIES });
    try {
      const code = await receivedDossier();
      const nodes = [h26, as(other, await hub.token('hanoi'))];
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => nodes[i % 2]!.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(2), sequence: 100 - i })),
      );
      const accepted = answers.filter((a) => a.statusCode === 201).length;
      expect(answers.every((a) => a.statusCode === 201 || a.json().code === 'STALE_EVENT')).toBe(true);
      const rows = await hub.database.db.selectFrom('dossier_events').select(['sequence', 'applied']).where('dossier_code', '=', code).orderBy('id').execute();
      const applied = rows.filter((r) => r.applied).map((r) => Number(r.sequence));
      expect(applied.length).toBe(accepted + 1); // + the RECEIVED event
      expect(applied.slice(1)).toEqual([...applied.slice(1)].sort((a, b) => a - b));
      const dossier = await hub.database.db.selectFrom('dossiers').select(['last_sequence', 'version']).where('code', '=', code).executeTakeFirstOrThrow();
      expect(Number(dossier.last_sequence)).toBe(Math.max(...applied));
      expect(dossier.version).toBe(accepted + 2); // header, RECEIVED, then each accepted event
    } finally {
      await other.close();
    }
  });

  it('answers a repeated Idempotency-Key with the original answer, and refuses it with another body', async () => {
    const code = await receivedDossier();
    const key = { 'idempotency-key': `evt-${code}` };
    const first = await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(1) }, key);
    expect(first.statusCode).toBe(201);
    const again = await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(1) }, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await h26.get(`/v1/dossiers/${code}`)).json().timeline).toHaveLength(2);
    const other = await h26.post(`/v1/dossiers/${code}/events`, { status: 'STOPPED', occurredAt: at(1) }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const malformed = await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(2) }, { 'idempotency-key': 'has spaces' });
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/Idempotency-Key', in: 'header' }] });
  });

  it('applies concurrent requests with one Idempotency-Key once', async () => {
    const code = await receivedDossier();
    const answers = await Promise.all(Array.from({ length: 8 }, () => h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(3) }, { 'idempotency-key': `race-${code}` })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(201));
    expect((await h26.get(`/v1/dossiers/${code}`)).json().timeline).toHaveLength(2);
  });

  it('refuses an event dated in the future, an unknown dossier, and a dossier outside the caller’s jurisdiction', async () => {
    const code = await receivedDossier();
    const future = await h26.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: '2099-01-01T00:00:00+07:00' });
    expect(future.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/occurredAt' }] });
    const unknown = await h26.post(`/v1/dossiers/${newDossierCode()}/events`, { status: 'RECEIVED', occurredAt: at(1) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'DOSSIER_NOT_FOUND']);
    const mof = as(hub.app, await hub.token('mof'));
    const foreign = await mof.post(`/v1/dossiers/${code}/events`, { status: 'PROCESSING', occurredAt: at(2) });
    expect([foreign.statusCode, foreign.json().code]).toEqual([403, 'FORBIDDEN']);
  });

  it('moves dueAt when an event promises a new date, and computes onTime and overdue', async () => {
    const late = newDossierCode();
    await h26.put(`/v1/dossiers/${late}`, dossierHeader('000.00.00.H26', { receivedAt: '2026-11-02T08:00:00+07:00', dueAt: '2026-11-05T17:00:00+07:00' }));
    await h26.post(`/v1/dossiers/${late}/events`, { status: 'RECEIVED', occurredAt: '2026-11-02T08:00:00+07:00' });
    const resolvedLate = await h26.post(`/v1/dossiers/${late}/events`, { status: 'RESOLVED', occurredAt: '2026-11-10T09:00:00+07:00' });
    expect(resolvedLate.json()).toMatchObject({ onTime: false, overdue: true, finishedAt: '2026-11-10T09:00:00+07:00' });

    const extended = await receivedDossier();
    const apology = await h26.post(`/v1/dossiers/${extended}/events`, { status: 'PROCESSING', occurredAt: at(1), sequence: 2, dueAt: '2026-12-31T17:00:00+07:00', note: 'Thư xin lỗi' });
    expect(apology.json().dueAt).toBe('2026-12-31T17:00:00+07:00');
    const resolved = await h26.post(`/v1/dossiers/${extended}/events`, { status: 'RESOLVED', occurredAt: at(2), sequence: 3 });
    expect(resolved.json()).toMatchObject({ onTime: true, overdue: false, finishedAt: at(2) });
    const returned = await h26.post(`/v1/dossiers/${extended}/events`, { status: 'RESULT_RETURNED', occurredAt: at(3), sequence: 4 });
    expect(returned.json().finishedAt).toBe(at(2)); // 9 counts before 10

    const open = newDossierCode();
    await h26.put(`/v1/dossiers/${open}`, dossierHeader('000.00.00.H26', { receivedAt: '2026-01-02T08:00:00+07:00', dueAt: '2026-01-05T17:00:00+07:00' }));
    expect((await h26.get(`/v1/dossiers/${open}`)).json()).toMatchObject({ onTime: null, overdue: true, finishedAt: null });
  });
});
