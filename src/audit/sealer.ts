import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema';
import { type Column, insertRows } from '../db/json-rows';
import { chainRecords, toMessageRecord } from './message-log';

/**
 * The sealer orders what writers committed in parallel, without rewriting it. Writers
 * stamp outbox and message-log rows with their transaction id. A round takes the snapshot
 * horizon (every transaction below it has finished, and no new one can appear below it),
 * and, for the rows stamped between the previous horizon and this one, in id order:
 *  - appends the outbox rows to outbox_feed with the next positions, and
 *  - chains the message-log records and stores one seal (their ids and hashes).
 * A later write to the same dossier inserts its rows only after the earlier one committed
 * (row locks), so it lands in the same window, later in id order, or in a later window:
 * each aggregate's events keep their order, and the feed never skips an event.
 *
 * One sealer runs at a time across all hub nodes (the seal_head row lock); the others skip.
 * It runs shortly after commits (`poke`), and on a timer for other nodes' commits. A long
 * transaction elsewhere on the database holds the horizon back, and the feed with it.
 */
const IDLE_INTERVAL_MS = 1000;
/** A round waits this long after a commit, so that one round orders many commits. */
const GATHER_MS = 20;

const FED: Column<{ position: number; id: number }>[] = [
  { name: 'position', value: (r) => r.position },
  { name: 'outbox_id', value: (r) => r.id },
];

export interface SealRound {
  horizon: bigint;
  /** Events this round gave feed positions to. */
  fedEvents: number;
}

/** One sealing round; undefined when another node holds the lock. */
export async function sealOnce(db: Kysely<Database>): Promise<SealRound | undefined> {
  return db.transaction().execute(async (trx) => {
    const head = await trx.selectFrom('seal_head').selectAll().where('id', '=', 1).forUpdate().skipLocked().executeTakeFirst();
    if (!head) return undefined;
    const { rows } = await sql<{ horizon: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`.execute(trx);
    const horizon = rows[0]!.horizon;
    const window = sql`txid >= ${head.horizon}::xid8 AND txid < ${horizon}::xid8`;
    const logs = await trx.selectFrom('message_log').selectAll().where(window as never).orderBy('id').execute();
    const events = await trx.selectFrom('outbox').select('id').where(window as never).orderBy('id').execute();
    if (logs.length === 0 && events.length === 0) {
      if (horizon !== head.horizon) await trx.updateTable('seal_head').set({ horizon }).where('id', '=', 1).execute();
      return { horizon: BigInt(horizon), fedEvents: 0 };
    }

    const chained = chainRecords({ seq: Number(head.log_number), hash: head.log_hash }, logs.map(toMessageRecord));
    let position = Number(head.outbox_position);
    const fed = events.map((e) => ({ id: Number(e.id), position: ++position }));
    const seal = Number(head.seal) + (logs.length ? 1 : 0);
    await sql`
      WITH fed AS (${insertRows('outbox_feed', FED, fed)} RETURNING 1),
      sealed AS (
        INSERT INTO message_log_seals (seal, first_number, record_ids, record_hashes)
        SELECT ${seal}, ${Number(head.log_number) + 1}, ${logs.map((l) => Number(l.id))}::bigint[], ${chained.rows.map((r) => r.hash)}::text[]
        WHERE ${logs.length > 0}
        RETURNING 1
      ),
      moved AS (
        UPDATE seal_head SET horizon = ${horizon}::xid8, seal = ${seal}, log_number = ${chained.head.seq}, log_hash = ${chained.head.hash}, outbox_position = ${position}
        WHERE id = 1 RETURNING 1
      )
      SELECT 1`.execute(trx);
    return { horizon: BigInt(horizon), fedEvents: fed.length };
  });
}

export class Sealer {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private gathering: NodeJS.Timeout | undefined;
  private readonly feedListeners: (() => void)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Calls `listener` after every round that put new events in the feed (the feed's consumers wake up). */
  onFed(listener: () => void): void {
    this.feedListeners.push(listener);
  }

  private round(): Promise<SealRound | undefined> {
    return sealOnce(this.db).then((round) => {
      if (round?.fedEvents) for (const listener of this.feedListeners) listener();
      return round;
    });
  }

  start(): void {
    this.timer = setInterval(() => this.sealNow(), IDLE_INTERVAL_MS);
    this.timer.unref();
    this.sealNow();
  }

  /** Something was committed: seal soon, together with what else commits meanwhile. */
  poke(): void {
    this.gathering ??= setTimeout(() => {
      this.gathering = undefined;
      this.sealNow();
    }, GATHER_MS);
  }

  /** Rounds never overlap; a call during a round runs one more after it. */
  private sealNow(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.round();
      } catch (error) {
        this.onError(error);
        return;
      }
    } while (this.again);
  }

  /**
   * Seals everything committed before the call (tests, shutdown): rounds until the horizon
   * passes every transaction that had started by then, for at most `timeoutMs`.
   */
  async flush(timeoutMs = 5000): Promise<void> {
    const { rows } = await sql<{ started: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS started`.execute(this.db);
    const target = BigInt(rows[0]!.started);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.running) await this.running;
      const round = await this.round();
      if ((round !== undefined && round.horizon >= target) || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.gathering);
    try {
      await this.flush();
    } catch (error) {
      this.onError(error); // what is left unsealed is sealed at the next start
    }
  }
}
