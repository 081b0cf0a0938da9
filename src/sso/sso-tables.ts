import type { ColumnType, Generated } from 'kysely';

/** Row types of the single sign-on tables (migrations/0003_sso.ts is the source of truth). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface SsoPayloadsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface SsoSigningKeysTable {
  kid: string;
  alg: string;
  generation: number;
  private_jwk: Json<Record<string, unknown>>;
  public_jwk: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface SsoCookieKeysTable {
  id: Generated<number>;
  secret: string;
  created_at: Generated<Date>;
}

export interface SsoAccountsTable {
  sub: string;
  tech_id: string;
  id_number: string | null;
  account_type: string;
  claims: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface SsoAccountLinksTable {
  provider_code: string;
  upstream_subject: string;
  account_sub: string;
  created_at: Generated<Date>;
  last_login_at: Timestamp;
}
