import { type Kysely, sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { type Column, insertRows } from '../db/json-rows';
import type { Database } from '../db/schema';
import { StatementBatcher } from '../db/statement-batcher';

type Lookup = 'id' | 'uid' | 'user_code';
interface Find {
  model: string;
  column: Lookup;
  value: string;
}
/** A stored payload as read: its JSON text (each reader parses its own copy, which the provider's models then change freely). */
interface Found {
  id: string;
  json: string;
  consumedAt: Date | null;
}
interface Upsert {
  model: string;
  id: string;
  payload: AdapterPayload;
  expiresAt: Date | null;
}

interface Key {
  model: string;
  id: string;
}
/**
 * The keys as rows `k(model, id)` of a FROM or USING clause. Arrays through unnest, whose
 * length the planner sees: it then looks each key up in the primary key, where a JSON
 * record set (estimated at 100 rows whatever its length) made it scan the whole table.
 */
const keyRows = (keys: readonly Key[]) => sql`unnest(${keys.map((k) => k.model)}::text[], ${keys.map((k) => k.id)}::text[]) AS k(model, id)`;

const UPSERT_COLUMNS: Column<Upsert>[] = [
  { name: 'model', value: (u) => u.model },
  { name: 'id', value: (u) => u.id },
  { name: 'payload', value: (u) => u.payload },
  { name: 'grant_id', value: (u) => u.payload.grantId ?? null },
  { name: 'uid', value: (u) => u.payload.uid ?? null },
  { name: 'user_code', value: (u) => u.payload.userCode ?? null },
  { name: 'expires_at', value: (u) => u.expiresAt },
];

/**
 * oidc-provider's storage (its Adapter contract) in the sso_payloads table, so that every
 * hub node sees the same sessions, codes and tokens. Rows past their expiry are never
 * returned (the maintenance loop deletes them later); a consumed row keeps being returned
 * with `consumed` set, which is how the provider recognises a reused authorization code.
 * A login reads and writes a dozen payloads: the reads, and the writes, of concurrent
 * logins go to the database together (StatementBatcher).
 */
export class SsoPayloadStore {
  private readonly recent = new RecentReads();
  private readonly finds = new Map<Lookup, StatementBatcher<Find, Found | undefined>>();
  private readonly upserts = new StatementBatcher<Upsert, void>((rows) => this.upsertAll(rows));
  private readonly consumes = new StatementBatcher<Key, void>(async (keys) => {
    await sql`UPDATE sso_payloads p SET consumed_at = ${new Date()} FROM ${keyRows(keys)} WHERE p.model = k.model AND p.id = k.id`.execute(this.db);
    return [];
  });
  private readonly destroys = new StatementBatcher<Key, void>(async (keys) => {
    await sql`DELETE FROM sso_payloads p USING ${keyRows(keys)} WHERE p.model = k.model AND p.id = k.id`.execute(this.db);
    return [];
  });

  constructor(private readonly db: Kysely<Database>) {
    for (const column of ['id', 'uid', 'user_code'] as const) this.finds.set(column, new StatementBatcher((keys) => this.findAll(column, keys)));
  }

  /** The `adapter` option of the provider: one Adapter per model name. */
  readonly adapterFactory = (model: string): Adapter => ({
    upsert: async (id, payload, expiresIn) => {
      this.recent.forget(model, id);
      await this.upserts.submit({ model, id, payload, expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null });
    },
    find: (id) => this.findBy(model, 'id', id),
    findByUid: (uid) => this.findBy(model, 'uid', uid),
    findByUserCode: (userCode) => this.findBy(model, 'user_code', userCode),
    consume: async (id) => {
      this.recent.forget(model, id);
      await this.consumes.submit({ model, id });
    },
    destroy: async (id) => {
      this.recent.forget(model, id);
      await this.destroys.submit({ model, id });
    },
    revokeByGrantId: async (grantId) => {
      this.recent.forgetAll();
      await this.db.deleteFrom('sso_payloads').where('grant_id', '=', grantId).execute();
    },
  });

  private async findBy(model: string, column: Lookup, value: string): Promise<AdapterPayload | undefined> {
    const remembered = this.recent.get(model, column, value);
    if (remembered) return JSON.parse(remembered) as AdapterPayload;
    const readAt = this.recent.readStarts();
    const found = await this.finds.get(column)!.submit({ model, column, value });
    if (!found) return undefined;
    if (!found.consumedAt) {
      this.recent.remember(model, column, value, found, readAt);
      return JSON.parse(found.json) as AdapterPayload;
    }
    return { ...(JSON.parse(found.json) as AdapterPayload), consumed: Math.floor(found.consumedAt.getTime() / 1000) };
  }

  /** Every row asked for, by one statement per lookup column; the answer lines up with `keys`. */
  private async findAll(column: Lookup, keys: readonly Find[]): Promise<(Found | undefined)[]> {
    const { rows } = await sql<{ n: string; id: string; json: string; consumed_at: Date | null }>`
      SELECT k.n, p.id, p.payload::text AS json, p.consumed_at
      FROM unnest(${keys.map((k) => k.model)}::text[], ${keys.map((k) => k.value)}::text[]) WITH ORDINALITY AS k(model, value, n)
      JOIN sso_payloads p ON p.model = k.model AND ${sql.ref(`p.${column}`)} = k.value
      WHERE p.expires_at IS NULL OR p.expires_at > ${new Date()}`.execute(this.db);
    const found: (Found | undefined)[] = new Array(keys.length).fill(undefined);
    for (const row of rows) found[Number(row.n) - 1] = { id: row.id, json: row.json, consumedAt: row.consumed_at };
    return found;
  }

  /** One multi-row upsert; of two writes of one payload in the same statement, the later wins. */
  private async upsertAll(writes: readonly Upsert[]): Promise<void[]> {
    const latest = [...new Map(writes.map((write) => [`${write.model}|${write.id}`, write])).values()];
    await sql`${insertRows('sso_payloads', UPSERT_COLUMNS, latest)}
      ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at`.execute(this.db);
    return [];
  }

  /** Keeps what the hub needs to finish an upstream login, under its `state`, for `ttlSeconds` (with the provider's payload writes). */
  async saveUpstreamLogin(state: string, login: UpstreamLoginRecord, ttlSeconds: number): Promise<void> {
    await this.upserts.submit({ model: UPSTREAM_LOGIN, id: state, payload: login as unknown as AdapterPayload, expiresAt: new Date(Date.now() + ttlSeconds * 1000) });
  }

  /** The upstream login of `state`, once: a second call (a replayed callback) gets nothing. */
  async takeUpstreamLogin(state: string): Promise<UpstreamLoginRecord | undefined> {
    const row = await this.db
      .updateTable('sso_payloads')
      .set({ consumed_at: new Date() })
      .where('model', '=', UPSTREAM_LOGIN)
      .where('id', '=', state)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('payload')
      .executeTakeFirst();
    return row?.payload as UpstreamLoginRecord | undefined;
  }

  /** Deletes rows past their expiry (the maintenance loop calls it). */
  async prune(): Promise<void> {
    await this.db.deleteFrom('sso_payloads').where('expires_at', '<', new Date()).execute();
  }
}

const UPSTREAM_LOGIN = 'UpstreamLogin';

/**
 * What a userinfo call reads (its access token, grant and session) stays in memory for a
 * second, so that a portal's burst of calls does not read the same rows again and again.
 * This node forgets an entry the moment it changes one, and does not keep what a read
 * brings back if the row changed here while the read was under way; a revocation or logout
 * made on another node is seen here at most REMEMBER_MS later. Codes, refresh tokens and
 * everything single-use are always read from the database.
 */
const REMEMBERED_MODELS = new Set(['AccessToken', 'Grant', 'Session']);
const REMEMBER_MS = 1000;
const REMEMBER_MAX_ENTRIES = 20_000;

class RecentReads {
  private readonly entries = new Map<string, { json: string; until: number; id: string }>();
  /** The change counter when each row last changed here, and when that memory was last cleared. */
  private readonly changedAt = new Map<string, number>();
  private changes = 0;
  private clearedAt = 0;

  get(model: string, column: Lookup, value: string): string | undefined {
    const entry = this.entries.get(`${model}|${column}|${value}`);
    // The entry must still be the one under its id: a write forgets the id, a later read may remember a newer one.
    if (!entry || entry.until < Date.now() || this.entries.get(`${model}|id|${entry.id}`) !== entry) return undefined;
    return entry.json;
  }

  /** Taken as a read starts, and handed back to `remember`. */
  readStarts(): number {
    return this.changes;
  }

  remember(model: string, column: Lookup, value: string, found: Found, readAt: number): void {
    if (!REMEMBERED_MODELS.has(model)) return;
    if (readAt < this.clearedAt || (this.changedAt.get(`${model}|${found.id}`) ?? 0) > readAt) return;
    if (this.entries.size >= REMEMBER_MAX_ENTRIES) this.entries.clear();
    const entry = { json: found.json, until: Date.now() + REMEMBER_MS, id: found.id };
    this.entries.set(`${model}|id|${found.id}`, entry);
    this.entries.set(`${model}|${column}|${value}`, entry);
  }

  forget(model: string, id: string): void {
    this.changes += 1;
    if (this.changedAt.size >= REMEMBER_MAX_ENTRIES) this.forgetAll();
    this.changedAt.set(`${model}|${id}`, this.changes);
    this.entries.delete(`${model}|id|${id}`);
  }

  forgetAll(): void {
    this.changes += 1;
    this.clearedAt = this.changes;
    this.changedAt.clear();
    this.entries.clear();
  }
}

/** A citizen sent to an upstream identity provider, waiting for the callback. */
export interface UpstreamLoginRecord {
  /** The provider interaction the login belongs to. */
  interactionUid: string;
  providerCode: string;
  /** What the adapter asked to keep between start and finish (PKCE verifier, nonce, ...). */
  kept: Record<string, string>;
  /** Assurance levels the portal accepts, if it asked for some. */
  requestedAcr: string[];
}
