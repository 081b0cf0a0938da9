import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, type Engine, openDatabase } from '../../src/db/connect';

/** The engines this run covers: PGlite always, PostgreSQL when `npm test` found a server. */
export const ENGINES = (process.env.TEST_ENGINES ?? 'pglite').split(',') as Engine[];
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database (dropped by the returned function), for tests that start real processes. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh, empty database of the engine: in-memory PGlite, or a new PostgreSQL database. */
export async function openTestDatabase(engine: Engine): Promise<DatabaseHandle> {
  if (engine === 'pglite') return openDatabase({ databaseUrl: undefined, dataDir: '', poolSize: 1, inMemory: true });
  const created = await createPostgresDatabase();
  const handle = await openDatabase({ databaseUrl: created.url, dataDir: '', poolSize: 10, onIdleConnectionError: () => undefined });
  return {
    ...handle,
    async close() {
      await handle.close();
      await created.drop();
    },
  };
}

/** `describe` once per engine under test. */
export function describeEachEngine(name: string, body: (engine: Engine) => void): void {
  describe.each(ENGINES)(`${name} [%s]`, body);
}
