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
      updated_at       timestamptz NOT NULL DEFAULT now(),
      -- Optimistic concurrency: every write checks and bumps it.
      version          integer NOT NULL
    ) WITH (fillfactor = 80); -- room on each page, so that status updates stay HOT (no index writes)
    CREATE INDEX dossiers_received ON dossiers (received_at DESC, code DESC);
    CREATE INDEX dossiers_agency_received ON dossiers (agency_code, received_at DESC, code DESC);

    -- No foreign key: the writer creates or loads the dossier in the same transaction, and
    -- a key check would lock the dossier row once per event.
    CREATE TABLE dossier_events (
      id            bigserial PRIMARY KEY,
      dossier_code  text NOT NULL,
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

    -- Transactional outbox (Debezium's column convention). Writers commit in parallel and
    -- stamp each row with their transaction id; the sealer then appends the rows of
    -- finished transactions to outbox_feed in id order (see src/audit/sealer.ts).
    CREATE TABLE outbox (
      id             bigserial PRIMARY KEY,
      event_id       uuid NOT NULL, -- random UUID, the consumers' dedup key
      aggregate_type text NOT NULL,
      aggregate_id   text NOT NULL,
      agency_code    text NOT NULL,
      event_type     text NOT NULL,
      payload        jsonb NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      txid           xid8 NOT NULL DEFAULT pg_current_xact_id()
    );
    CREATE INDEX outbox_txid ON outbox (txid);

    -- The feed order: gap-free positions, each aggregate's events in order.
    CREATE TABLE outbox_feed (
      position  bigint PRIMARY KEY,
      outbox_id bigint NOT NULL
    );

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

    -- Every inbound message, written with the change it caused (or alone).
    CREATE TABLE message_log (
      id          bigserial PRIMARY KEY,
      recorded_at timestamptz NOT NULL,
      party_code  text,
      client_id   text,
      request_id  text NOT NULL,
      method      text NOT NULL,
      path        text NOT NULL,
      body_sha256 text,
      status_code smallint NOT NULL,
      outcome     text NOT NULL,
      txid        xid8 NOT NULL DEFAULT pg_current_xact_id()
    );
    CREATE INDEX message_log_txid ON message_log (txid);

    -- The hash chain over the message log, one seal per sealer round: the records it
    -- covers (chain numbers first_number.., ids in chain order) and each record's hash,
    -- which covers the previous record's hash. Editing, removing or reordering a sealed
    -- record breaks the chain from there on.
    CREATE TABLE message_log_seals (
      seal          bigint PRIMARY KEY,
      first_number  bigint NOT NULL,
      record_ids    bigint[] NOT NULL,
      record_hashes text[] NOT NULL,
      sealed_at     timestamptz NOT NULL DEFAULT now()
    );

    -- Where the sealer stands. Locking this row makes one sealer at a time (any number of
    -- hub nodes). horizon: every transaction below it has been sealed.
    CREATE TABLE seal_head (
      id              smallint PRIMARY KEY CHECK (id = 1),
      horizon         xid8 NOT NULL,
      seal            bigint NOT NULL,
      log_number      bigint NOT NULL,
      log_hash        text NOT NULL,
      outbox_position bigint NOT NULL
    );
    INSERT INTO seal_head (id, horizon, seal, log_number, log_hash, outbox_position) VALUES (1, '0', 0, 0, repeat('0', 64), 0);

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
    DROP TABLE client_assertion_jtis, seal_head, message_log_seals, message_log, outbox_feed, idempotency_keys,
      outbox, dossier_events, dossiers, hub_signing_keys;
  `.execute(db);
}
