/**
 * The yardstick the hub is measured against: a bare Fastify route doing one
 * durable INSERT through kysely + pg, nothing else. Run as its own process by
 * bench.ts so that it competes for the CPU exactly like the hub does.
 *
 * Environment: DATABASE_URL (required), PORT (required), HOST (default 127.0.0.1).
 */
import Fastify from 'fastify';
import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import pg from 'pg';

interface BaselineDatabase {
  bench_baseline: {
    id: Generated<string>;
    body: string;
    created_at: Generated<Date>;
  };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function createTable(db: Kysely<BaselineDatabase>): Promise<void> {
  await sql`create table if not exists bench_baseline (
    id bigserial primary key,
    body jsonb,
    created_at timestamptz default now()
  )`.execute(db);
}

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: requiredEnv('DATABASE_URL'), max: 10 });
  const db = new Kysely<BaselineDatabase>({ dialect: new PostgresDialect({ pool }) });
  await createTable(db);

  const app = Fastify({ logger: false });
  app.post('/baseline', async (request, reply) => {
    // Stringified so that any JSON value (arrays included) lands as jsonb, not as a Postgres array.
    const row = await db
      .insertInto('bench_baseline')
      .values({ body: JSON.stringify(request.body) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return reply.code(201).send({ id: row.id });
  });

  const shutdown = async () => {
    await app.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen({ port: Number(requiredEnv('PORT')), host: process.env.HOST ?? '127.0.0.1' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
