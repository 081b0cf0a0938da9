import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The sweeper's other work: refunds a provider has not confirmed yet (it asks again).
    CREATE INDEX payments_pending_refunds ON payments (updated_at) WHERE refunds @> '[{"status": "PENDING"}]';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX payments_pending_refunds`.execute(db);
}
