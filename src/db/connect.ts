import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';
import { lockDataDir } from './data-dir-lock';
import { PGlitePool } from './pglite-pool';

export type Engine = 'postgres' | 'pglite';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  close(): Promise<void>;
}

const INT8_OID = 20;
// bigint ids and sequences stay below 2^53; numbers are what the rest of the hub uses.
const parseInt8 = (value: string) => Number(value);

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  /** Tests only: an in-memory PGlite, no data directory. */
  inMemory?: boolean;
  onIdleConnectionError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize,
      types: { getTypeParser: (oid: number, format?: string) => (oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig,
    });
    // An idle connection the server ends (restart, failover) must not crash the hub: the pool drops it and reconnects.
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }

  const lock = options.inMemory ? undefined : await lockDataDir(options.dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create({
      dataDir: options.inMemory ? undefined : path.join(options.dataDir, 'pglite'),
      parsers: { [INT8_OID]: parseInt8 },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PGlitePool(pglite) }) });
    return {
      db,
      engine: 'pglite',
      async close() {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
