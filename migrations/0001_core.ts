import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE hub_signing_keys (
      kid         text PRIMARY KEY,
      alg         text NOT NULL,
      private_pem text NOT NULL,
      public_jwk  jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE dossiers (
      code             text PRIMARY KEY,
      agency_code      text NOT NULL,
      procedure_code   text NOT NULL,
      channel          text NOT NULL,
      status_code      smallint,
      received_at      timestamptz NOT NULL,
      due_at           timestamptz,
      finished_at      timestamptz,
      last_sequence    bigint,
      last_occurred_at timestamptz,
      header           jsonb NOT NULL,
      header_hash      text NOT NULL,
      result           jsonb,
      result_synced_at timestamptz,
      owner_party_code text NOT NULL,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dossiers_received ON dossiers (received_at DESC, code DESC);
    CREATE INDEX dossiers_agency_received ON dossiers (agency_code, received_at DESC, code DESC);

    CREATE TABLE dossier_events (
      id            bigserial PRIMARY KEY,
      dossier_code  text NOT NULL REFERENCES dossiers (code),
      agency_code   text NOT NULL,
      sequence      bigint,
      status_code   smallint NOT NULL,
      occurred_at   timestamptz NOT NULL,
      recorded_at   timestamptz NOT NULL DEFAULT now(),
      actor         jsonb,
      note          text,
      due_at        timestamptz,
      supplement    jsonb,
      applied       boolean NOT NULL,
      refusal_code  text,
      body_hash     text NOT NULL,
      party_code    text NOT NULL,
      request_id    text NOT NULL
    );
    CREATE UNIQUE INDEX dossier_events_sequence ON dossier_events (dossier_code, sequence) WHERE sequence IS NOT NULL;
    CREATE INDEX dossier_events_timeline ON dossier_events (dossier_code, occurred_at, id);

    -- Transactional outbox (Debezium's column convention). Rows are inserted while the
    -- commit-order lock is held, so id order is commit order.
    CREATE TABLE outbox (
      id             bigserial PRIMARY KEY,
      event_id       uuid NOT NULL UNIQUE,
      aggregate_type text NOT NULL,
      aggregate_id   text NOT NULL,
      agency_code    text NOT NULL,
      event_type     text NOT NULL,
      payload        jsonb NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      published_at   timestamptz
    );
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

    CREATE TABLE idempotency_keys (
      party_code   text NOT NULL,
      idem_key     text NOT NULL,
      request_hash text NOT NULL,
      status_code  smallint NOT NULL,
      response     jsonb NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (party_code, idem_key)
    );
    CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

    -- Hash-chained log of every inbound message: each record's hash covers the previous one.
    CREATE TABLE message_log (
      seq         bigint PRIMARY KEY,
      recorded_at timestamptz NOT NULL,
      party_code  text,
      client_id   text,
      request_id  text NOT NULL,
      method      text NOT NULL,
      path        text NOT NULL,
      body_sha256 text,
      status_code smallint NOT NULL,
      outcome     text NOT NULL,
      prev_hash   text NOT NULL,
      hash        text NOT NULL
    );
    -- The chain's head. Locking this row also orders every transaction that writes the
    -- outbox, which is what makes outbox id order equal commit order.
    CREATE TABLE message_log_head (
      id   smallint PRIMARY KEY CHECK (id = 1),
      seq  bigint NOT NULL,
      hash text NOT NULL
    );
    INSERT INTO message_log_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

    -- private_key_jwt assertions are single use.
    CREATE TABLE client_assertion_jtis (
      client_id  text NOT NULL,
      jti        text NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (client_id, jti)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE client_assertion_jtis, message_log_head, message_log, idempotency_keys,
      outbox, dossier_events, dossiers, hub_signing_keys;
  `.execute(db);
}
