import { type Kysely, sql } from 'kysely';

// Frozen: never edit once landed. Add a new numbered migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Everything the OpenID provider (oidc-provider) stores: sessions, interactions, grants,
    -- authorization codes, access and refresh tokens, and the hub's upstream login states.
    -- One row per (model, id); the columns beside payload are what the provider looks rows up by.
    CREATE TABLE sso_payloads (
      model       text NOT NULL,
      id          text NOT NULL,
      payload     jsonb NOT NULL,
      grant_id    text,
      uid         text,
      user_code   text,
      expires_at  timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (model, id)
    );
    -- revokeByGrantId: every token of a grant, whatever its model (a reused code revokes them all).
    CREATE INDEX sso_payloads_grant ON sso_payloads (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX sso_payloads_uid ON sso_payloads (model, uid) WHERE uid IS NOT NULL;
    CREATE INDEX sso_payloads_user_code ON sso_payloads (model, user_code) WHERE user_code IS NOT NULL;
    CREATE INDEX sso_payloads_expiry ON sso_payloads (expires_at) WHERE expires_at IS NOT NULL;

    -- ID token signing keys, one row per key; every key stored is published in the JWKS, the
    -- newest generation signs. Rotation adds a generation and drops the ones before the previous.
    CREATE TABLE sso_signing_keys (
      kid         text PRIMARY KEY,
      alg         text NOT NULL,
      generation  integer NOT NULL,
      private_jwk jsonb NOT NULL,
      public_jwk  jsonb NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sso_signing_keys_generation ON sso_signing_keys (generation DESC);

    -- Keys that sign the provider's cookies: random, made once, shared by every hub node.
    CREATE TABLE sso_cookie_keys (
      id         serial PRIMARY KEY,
      secret     text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Citizens known to the hub: sub is the hub's own stable, random subject; the other
    -- columns are the latest claims their identity providers gave.
    CREATE TABLE sso_accounts (
      sub          text PRIMARY KEY,
      tech_id      text NOT NULL UNIQUE,
      id_number    text,
      account_type text NOT NULL,
      claims       jsonb NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    -- Linking by identity number: one account per number.
    CREATE UNIQUE INDEX sso_accounts_id_number ON sso_accounts (id_number) WHERE id_number IS NOT NULL;

    -- Which upstream subject of which identity provider is which account.
    CREATE TABLE sso_account_links (
      provider_code    text NOT NULL,
      upstream_subject text NOT NULL,
      account_sub      text NOT NULL REFERENCES sso_accounts (sub),
      created_at       timestamptz NOT NULL DEFAULT now(),
      last_login_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider_code, upstream_subject)
    );
    CREATE INDEX sso_account_links_account ON sso_account_links (account_sub);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE sso_account_links, sso_accounts, sso_cookie_keys, sso_signing_keys, sso_payloads`.execute(db);
}
