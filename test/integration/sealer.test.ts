import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { verifyChain } from '../../src/audit/message-log';
import { Sealer } from '../../src/audit/sealer';
import type { DatabaseHandle } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { describeEachEngine, openTestDatabase } from '../support/databases';

/**
 * Several hub nodes seal one database at once, while writers commit in parallel: every
 * committed event gets exactly one feed position, with no gap, each aggregate's events in
 * commit order, and every message-log record is chained once.
 */
describeEachEngine('sealing with several hub nodes at once', (engine) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await migrateToLatest(database.db);
  });
  afterAll(() => database.close());

  it('feeds every event once, in order per aggregate, and chains every record once', async () => {
    const { db } = database;
    const failures: unknown[] = [];
    const nodes = [new Sealer(db, (error) => failures.push(error)), new Sealer(db, (error) => failures.push(error))];
    for (const node of nodes) node.start();
    const poking = setInterval(() => nodes.forEach((node) => node.poke()), 2);

    const WRITERS = 6;
    const COMMITS = 40;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let commit = 0; commit < COMMITS; commit++) {
          await db.transaction().execute(async (trx) => {
            // Two aggregates per writer, so that events of one aggregate come from commits in sequence.
            const aggregate = `agg-${writer}-${commit % 2}`;
            for (let n = 0; n < 1 + (commit % 3); n++) {
              await sql`INSERT INTO outbox (event_id, aggregate_type, aggregate_id, agency_code, event_type, payload)
                VALUES (${randomUUID()}, 'dossier', ${aggregate}, '000.00.00.H26', 'test', ${JSON.stringify({ writer, commit, n })}::jsonb)`.execute(trx);
            }
            await sql`INSERT INTO message_log (recorded_at, request_id, method, path, status_code, outcome)
              VALUES (${new Date()}, ${`w${writer}-c${commit}`}, 'POST', '/test', 201, 'OK')`.execute(trx);
          });
          nodes[commit % 2]!.poke();
        }
      }),
    );
    clearInterval(poking);
    for (const node of nodes) await node.flush();
    for (const node of nodes) await node.stop();
    expect(failures).toEqual([]);

    const fed = await sql<{ position: number; outbox_id: number; aggregate_id: string }>`
      SELECT f.position, f.outbox_id, o.aggregate_id FROM outbox_feed f JOIN outbox o ON o.id = f.outbox_id ORDER BY f.position`.execute(db);
    const { rows: counted } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox`.execute(db);
    expect(fed.rows.length).toBe(counted[0]!.n);
    expect(fed.rows.map((r) => Number(r.position))).toEqual(fed.rows.map((_, i) => i + 1));
    expect(new Set(fed.rows.map((r) => r.outbox_id)).size).toBe(fed.rows.length);
    // Within an aggregate, the feed keeps the order the events were inserted in (their ids).
    const lastIdOf = new Map<string, number>();
    for (const row of fed.rows) {
      expect(Number(row.outbox_id)).toBeGreaterThan(lastIdOf.get(row.aggregate_id) ?? 0);
      lastIdOf.set(row.aggregate_id, Number(row.outbox_id));
    }
    expect(await verifyChain(db)).toEqual(expect.objectContaining({ ok: true, records: WRITERS * COMMITS, unsealed: 0 }));
  });
});
