import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Dossiers citizens submitted online, routed to the party responsible for their agency:
    -- pushed to its one-stop system (retried until it takes them, in order), or held in its
    -- inbox until it acknowledges them. Nothing is delivered to nobody.
    CREATE TABLE submissions (
      seq               bigserial PRIMARY KEY,  -- delivery order per target
      id                uuid NOT NULL UNIQUE,
      dossier_code      text NOT NULL UNIQUE,   -- one submission per dossier
      agency_code       text NOT NULL,
      target_party_code text NOT NULL,
      delivery          text NOT NULL,          -- PUSH | PULL
      status            text NOT NULL,          -- PENDING | DELIVERED | ACKNOWLEDGED
      body_hash         text NOT NULL,
      submitted_by      text NOT NULL,
      attempts          integer NOT NULL DEFAULT 0,
      next_attempt_at   timestamptz,
      last_error        text,
      created_at        timestamptz NOT NULL,
      delivered_at      timestamptz
    );
    CREATE INDEX submissions_inbox ON submissions (target_party_code, seq) WHERE status = 'PENDING' AND delivery = 'PULL';
    CREATE INDEX submissions_push ON submissions (target_party_code, seq) WHERE status = 'PENDING' AND delivery = 'PUSH';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE submissions`.execute(db);
}
