import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * Presents an embedded PGlite instance as the pg pool that Kysely's PostgresDialect
 * expects. PGlite has exactly one connection, so `connect()` hands it to one holder
 * at a time: a transaction keeps it until it commits, and every other caller queues.
 */
export class PGlitePool implements PostgresPool {
  private holder: Promise<void> = Promise.resolve();

  constructor(private readonly pglite: Pick<PGlite, 'query' | 'exec' | 'close'>) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.holder;
    this.holder = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const pglite = this.pglite;
    let released = false;
    const client = {
      async query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> {
        // Without parameters the simple protocol runs (like pg), which allows several statements.
        const result =
          parameters.length === 0
            ? (await pglite.exec(sql)).at(-1) ?? { rows: [], affectedRows: 0 }
            : await pglite.query<R>(sql, parameters as unknown[], { rowMode: 'object' });
        return { command: commandOf(sql), rowCount: result.affectedRows ?? result.rows.length, rows: result.rows as R[] };
      },
      release(): void {
        if (released) return;
        released = true;
        release();
      },
    };
    return client as unknown as PostgresPoolClient;
  }

  async end(): Promise<void> {
    await this.holder;
    await this.pglite.close();
  }
}

function commandOf(sql: string): PostgresQueryResult<unknown>['command'] {
  const match = /^\s*(?:with\b[\s\S]*?\)\s*)?(insert|update|delete|merge|select)\b/i.exec(sql);
  return (match?.[1]?.toUpperCase() ?? 'SELECT') as PostgresQueryResult<unknown>['command'];
}
