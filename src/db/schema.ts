import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { SsoAccountLinksTable, SsoAccountsTable, SsoCookieKeysTable, SsoPayloadsTable, SsoSigningKeysTable } from '../sso/sso-tables';

/** Row types of the hub's tables, as Kysely sees them (migrations/ is the source of truth). */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface HubSigningKeysTable {
  kid: string;
  alg: string;
  private_pem: string;
  public_jwk: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface DossiersTable {
  code: string;
  agency_code: string;
  procedure_code: string;
  channel: string;
  status_code: number | null;
  received_at: Timestamp;
  due_at: Timestamp | null;
  finished_at: Timestamp | null;
  last_sequence: number | null;
  last_occurred_at: Timestamp | null;
  header: Json<Record<string, unknown>>;
  header_hash: string;
  result: Json<Record<string, unknown>> | null;
  result_synced_at: Timestamp | null;
  owner_party_code: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  version: number;
}

export interface DossierEventsTable {
  id: Generated<number>;
  dossier_code: string;
  agency_code: string;
  sequence: number | null;
  status_code: number;
  occurred_at: Timestamp;
  recorded_at: Timestamp;
  actor: Json<Record<string, unknown>> | null;
  note: string | null;
  due_at: Timestamp | null;
  supplement: Json<Record<string, unknown>> | null;
  applied: boolean;
  refusal_code: string | null;
  body_hash: string;
  party_code: string;
  request_id: string;
}

export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  aggregate_type: string;
  aggregate_id: string;
  agency_code: string;
  event_type: string;
  payload: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  txid: Generated<string>;
}

export interface OutboxFeedTable {
  position: number;
  outbox_id: number;
}

export interface IdempotencyKeysTable {
  party_code: string;
  idem_key: string;
  request_hash: string;
  status_code: number;
  response: Json<unknown>;
  created_at: Generated<Date>;
}

export interface MessageLogTable {
  id: Generated<number>;
  recorded_at: Timestamp;
  party_code: string | null;
  client_id: string | null;
  request_id: string;
  method: string;
  path: string;
  body_sha256: string | null;
  status_code: number;
  outcome: string;
  txid: Generated<string>;
}

export interface MessageLogSealsTable {
  seal: number;
  first_number: number;
  record_ids: number[];
  record_hashes: string[];
  sealed_at: Generated<Date>;
}

export interface SealHeadTable {
  id: number;
  horizon: string;
  seal: number;
  log_number: number;
  log_hash: string;
  outbox_position: number;
}

export interface ClientAssertionJtisTable {
  client_id: string;
  jti: string;
  expires_at: Timestamp;
}

export interface FeedConsumersTable {
  name: string;
  position: number;
  updated_at: Generated<Date>;
  leased_by: string | null;
  lease_until: Date | null;
}

/** Who made a subscription: the API, the parties file (a party's notifyUrl), a payment's notifyUrl, or a portal payment platform partner's confirmUrl. */
export type SubscriptionOrigin = 'api' | 'parties-file' | 'payment-notify' | 'payment-confirm';

export interface SubscriptionsTable {
  id: string;
  party_code: string;
  url: string;
  types: string[];
  agency_codes: string[] | null;
  secret: string;
  origin: SubscriptionOrigin;
  created_at: Generated<Date>;
  disabled_at: Date | null;
  disabled_reason: string | null;
  deleted_at: Date | null;
}

export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'DISABLED';

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  subscription_id: string;
  outbox_id: number;
  event_id: string;
  aggregate_id: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  response_status: number | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  attempted_at: Timestamp;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
}

export interface PaymentsTable {
  id: string;
  agency_code: string;
  owner_party_code: string;
  external_reference: string | null;
  dossier_code: string | null;
  kind: string;
  amount: ColumnType<number, number, number>;
  status: string;
  document: Json<Record<string, unknown>>;
  attempts: Json<unknown[]>;
  refunds: Json<unknown[]>;
  refunded_amount: number;
  expires_at: Timestamp;
  paid_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: number;
}

export interface PaymentReferencesTable {
  provider: string;
  reference: string;
  payment_id: string;
}

export interface PaymentEventsTable {
  id: Generated<number>;
  provider: string;
  event_key: string;
  source: string;
  payment_id: string | null;
  reference: string | null;
  verified: boolean;
  result: string | null;
  amount: number | null;
  provider_transaction_id: string | null;
  outcome: string;
  raw: string;
  request_id: string;
  received_at: Timestamp;
}

export interface ReconciliationsTable {
  id: string;
  provider: string;
  settlement_date: ColumnType<string, string, string>;
  format: string;
  file_sha256: string;
  party_code: string;
  result: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface SubmissionsTable {
  seq: Generated<number>;
  id: string;
  dossier_code: string;
  agency_code: string;
  target_party_code: string;
  delivery: 'PUSH' | 'PULL';
  status: 'PENDING' | 'DELIVERED' | 'ACKNOWLEDGED';
  body_hash: string;
  submitted_by: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface PortalSyncTable {
  dossier_code: string;
  known: boolean;
  last_error: string | null;
  failed_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface Database {
  hub_signing_keys: HubSigningKeysTable;
  dossiers: DossiersTable;
  dossier_events: DossierEventsTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  message_log: MessageLogTable;
  seal_head: SealHeadTable;
  message_log_seals: MessageLogSealsTable;
  outbox_feed: OutboxFeedTable;
  client_assertion_jtis: ClientAssertionJtisTable;
  feed_consumers: FeedConsumersTable;
  subscriptions: SubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  sso_payloads: SsoPayloadsTable;
  sso_signing_keys: SsoSigningKeysTable;
  sso_cookie_keys: SsoCookieKeysTable;
  sso_accounts: SsoAccountsTable;
  sso_account_links: SsoAccountLinksTable;
  payments: PaymentsTable;
  payment_references: PaymentReferencesTable;
  payment_events: PaymentEventsTable;
  reconciliations: ReconciliationsTable;
  submissions: SubmissionsTable;
  portal_sync: PortalSyncTable;
}

export type DossierRow = Selectable<DossiersTable>;
export type DossierEventRow = Selectable<DossierEventsTable>;
export type NewDossierEvent = Insertable<DossierEventsTable>;
export type OutboxRow = Selectable<OutboxTable>;
