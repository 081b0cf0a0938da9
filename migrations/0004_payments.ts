import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A payment an agency asked for, with its status projected from the ledger below. Its
    -- attempts (one per checkout) and refunds are small lists that change with it, under its
    -- version, so they live in the row.
    CREATE TABLE payments (
      id                 text PRIMARY KEY,
      agency_code        text NOT NULL,
      owner_party_code   text NOT NULL,
      external_reference text,             -- the agency's own reference (portal MaThamChieu)
      dossier_code       text,
      kind               text NOT NULL,
      amount             bigint NOT NULL,
      status             text NOT NULL,
      document           jsonb NOT NULL,   -- the request as accepted: payer, items, beneficiary, URLs, fine
      attempts           jsonb NOT NULL,
      refunds            jsonb NOT NULL,
      refunded_amount    bigint NOT NULL,
      expires_at         timestamptz NOT NULL,
      paid_at            timestamptz,
      created_at         timestamptz NOT NULL,
      updated_at         timestamptz NOT NULL,
      version            integer NOT NULL
    );
    CREATE INDEX payments_agency_created ON payments (agency_code, created_at DESC);
    CREATE UNIQUE INDEX payments_external_reference ON payments (owner_party_code, external_reference) WHERE external_reference IS NOT NULL;
    -- The sweeper's work: payments still waiting for a provider's word.
    CREATE INDEX payments_open ON payments (updated_at) WHERE status IN ('CREATED', 'PENDING', 'FAILED');

    -- Every merchant reference the hub gave a provider (an attempt's or a refund's), so that a
    -- provider's notice finds its payment. Unique per provider.
    CREATE TABLE payment_references (
      provider   text NOT NULL,
      reference  text NOT NULL,
      payment_id text NOT NULL,
      PRIMARY KEY (provider, reference)
    );

    -- The ledger: every provider event as received (callbacks, browser returns, status-query
    -- answers, refund answers), verified or not, inserted once per (provider, event_key).
    CREATE TABLE payment_events (
      id                      bigserial PRIMARY KEY,
      provider                text NOT NULL,
      event_key               text NOT NULL,
      source                  text NOT NULL,  -- CALLBACK | RETURN | QUERY | REFUND
      payment_id              text,
      reference               text,
      verified                boolean NOT NULL,
      result                  text,
      amount                  bigint,
      provider_transaction_id text,
      outcome                 text NOT NULL,  -- what the hub made of it (ACCEPTED, AMOUNT_MISMATCH, ...)
      raw                     text NOT NULL,
      request_id              text NOT NULL,
      received_at             timestamptz NOT NULL,
      UNIQUE (provider, event_key)
    );
    CREATE INDEX payment_events_payment ON payment_events (payment_id, id) WHERE payment_id IS NOT NULL;

    -- Settlement files checked against the ledger.
    CREATE TABLE reconciliations (
      id              text PRIMARY KEY,
      provider        text NOT NULL,
      settlement_date date NOT NULL,
      format          text NOT NULL,
      file_sha256     text NOT NULL,
      party_code      text NOT NULL,
      result          jsonb NOT NULL,
      created_at      timestamptz NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE reconciliations, payment_events, payment_references, payments`.execute(db);
}
