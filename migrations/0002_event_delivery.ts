import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- How far each consumer of the feed (the Kafka relay, the webhook dispatcher) has got.
    -- A consumer advances its position only after what it did with the events is durable,
    -- so a crash repeats work (at least once) and never skips it. A consumer that must run
    -- alone (the relay) holds a lease: renewed while it works, taken over once it expires.
    CREATE TABLE feed_consumers (
      name        text PRIMARY KEY,
      position    bigint NOT NULL DEFAULT 0,
      updated_at  timestamptz NOT NULL DEFAULT now(),
      leased_by   text,
      lease_until timestamptz
    );
    INSERT INTO feed_consumers (name) VALUES ('kafka'), ('webhooks');

    -- Webhook subscriptions: made through the API, or declared by a party's notifyUrl.
    CREATE TABLE subscriptions (
      id              uuid PRIMARY KEY,
      party_code      text NOT NULL,
      url             text NOT NULL,
      types           text[] NOT NULL,
      agency_codes    text[],            -- NULL: the party's whole jurisdiction
      secret          text NOT NULL,     -- whsec_...; needed in clear to sign every delivery
      origin          text NOT NULL,     -- 'api' | 'parties-file'
      created_at      timestamptz NOT NULL DEFAULT now(),
      disabled_at     timestamptz,
      disabled_reason text,
      deleted_at      timestamptz
    );
    CREATE INDEX subscriptions_party ON subscriptions (party_code, created_at);

    -- One row per (subscription, event); attempts are kept apart, every one of them.
    CREATE TABLE webhook_deliveries (
      id              bigserial PRIMARY KEY,
      subscription_id uuid NOT NULL REFERENCES subscriptions (id),
      outbox_id       bigint NOT NULL,
      event_id        uuid NOT NULL,
      aggregate_id    text NOT NULL,
      status          text NOT NULL,     -- PENDING | SUCCEEDED | FAILED | DISABLED
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      response_status integer,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (subscription_id, outbox_id)
    );
    -- The delivery worker claims, per subscription, its due deliveries in due order. PENDING rows always have a
    -- next_attempt_at: stating it keeps the planner from picking this index for the worker's lookup of a
    -- dossier's oldest pending delivery (the next index serves that), which it did before the table had statistics.
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'PENDING' AND next_attempt_at IS NOT NULL;
    -- Deliveries of one aggregate to one subscription go out in order: the worker looks for an earlier pending one.
    CREATE INDEX webhook_deliveries_pending_aggregate ON webhook_deliveries (subscription_id, aggregate_id, id) WHERE status = 'PENDING';

    CREATE TABLE webhook_attempts (
      id              bigserial PRIMARY KEY,
      delivery_id     bigint NOT NULL REFERENCES webhook_deliveries (id),
      attempt         integer NOT NULL,
      attempted_at    timestamptz NOT NULL,
      duration_ms     integer NOT NULL,
      response_status integer,
      error           text,
      UNIQUE (delivery_id, attempt)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE webhook_attempts, webhook_deliveries, subscriptions, feed_consumers`.execute(db);
}
