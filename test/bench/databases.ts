import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Databases not yet dropped, so that an interrupted run can still clean up. */
const created = new Set<string>();

function adminDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;
}

async function runStatement(databaseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const runAdminStatement = (statement: string) => runStatement(adminDatabaseUrl(), statement);

/**
 * Gathers the planner's statistics, as autovacuum would have by now on a production server.
 * Where it is off (this machine's CI configuration does that), tables are planned without
 * statistics: as the outbox grows, the readiness check's lag count turns from an index
 * lookup into a parallel scan (about 200 ms instead of under 1 at 150,000 events), which
 * the scenarios that poll readiness would measure instead of the hub.
 */
export function analyzeDatabase(databaseUrl: string): Promise<void> {
  return runStatement(databaseUrl, 'analyze');
}

async function dropDatabase(name: string): Promise<void> {
  created.delete(name);
  // FORCE: a server that died mid-run may still hold connections.
  await runAdminStatement(`drop database if exists ${name} with (force)`);
}

export async function dropAllDatabases(): Promise<void> {
  await Promise.all([...created].map(dropDatabase));
}

/**
 * Runs `use` against a database created for it alone, so that no scenario
 * inherits another's rows, indexes or bloat; the database is dropped afterwards.
 */
export async function withFreshDatabase<T>(use: (databaseUrl: string) => Promise<T>): Promise<T> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await runAdminStatement(`create database ${name}`);
  created.add(name);
  try {
    const url = new URL(adminDatabaseUrl());
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await dropDatabase(name);
  }
}
