import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The outbound sync to the national portal reads the feed like the relay does.
    INSERT INTO feed_consumers (name) VALUES ('portal-sync');

    -- What the portal has confirmed, per dossier: whether it knows the dossier (the next sync
    -- is an update, not a create), and the last refusal, which the daily catch-up sends again.
    CREATE TABLE portal_sync (
      dossier_code text PRIMARY KEY,
      known        boolean NOT NULL,
      last_error   text,
      failed_at    timestamptz,
      updated_at   timestamptz NOT NULL
    );
    CREATE INDEX portal_sync_failed ON portal_sync (failed_at) WHERE failed_at IS NOT NULL;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE portal_sync; DELETE FROM feed_consumers WHERE name = 'portal-sync'`.execute(db);
}
