import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/schema';

/**
 * oidc-provider's storage (its Adapter contract) in the sso_payloads table, so that every
 * hub node sees the same sessions, codes and tokens. Rows past their expiry are never
 * returned (the maintenance loop deletes them later); a consumed row keeps being returned
 * with `consumed` set, which is how the provider recognises a reused authorization code.
 */
export class SsoPayloadStore {
  private readonly recent = new RecentReads();

  constructor(private readonly db: Kysely<Database>) {}

  /** The `adapter` option of the provider: one Adapter per model name. */
  readonly adapterFactory = (model: string): Adapter => ({
    upsert: async (id, payload, expiresIn) => {
      this.recent.forget(model, id);
      await this.upsert(model, id, payload, expiresIn);
    },
    find: (id) => this.findBy(model, 'id', id),
    findByUid: (uid) => this.findBy(model, 'uid', uid),
    findByUserCode: (userCode) => this.findBy(model, 'user_code', userCode),
    consume: async (id) => {
      this.recent.forget(model, id);
      await this.db.updateTable('sso_payloads').set({ consumed_at: new Date() }).where('model', '=', model).where('id', '=', id).execute();
    },
    destroy: async (id) => {
      this.recent.forget(model, id);
      await this.db.deleteFrom('sso_payloads').where('model', '=', model).where('id', '=', id).execute();
    },
    revokeByGrantId: async (grantId) => {
      this.recent.forgetAll();
      await this.db.deleteFrom('sso_payloads').where('grant_id', '=', grantId).execute();
    },
  });

  private async upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const row = {
      model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('sso_payloads')
      .values(row)
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: row.payload, grant_id: row.grant_id, uid: row.uid, user_code: row.user_code, expires_at: row.expires_at }))
      .execute();
  }

  private async findBy(model: string, column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const remembered = this.recent.get(model, column, value);
    if (remembered) return remembered;
    const row = await this.db
      .selectFrom('sso_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', model)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
    this.recent.remember(model, column, value, payload);
    return payload;
  }

  /** Keeps what the hub needs to finish an upstream login, under its `state`, for `ttlSeconds`. */
  async saveUpstreamLogin(state: string, login: UpstreamLoginRecord, ttlSeconds: number): Promise<void> {
    await this.db
      .insertInto('sso_payloads')
      .values({ model: UPSTREAM_LOGIN, id: state, payload: JSON.stringify(login), expires_at: new Date(Date.now() + ttlSeconds * 1000) })
      .execute();
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
 * This node forgets an entry the moment it changes one; a revocation or logout made on
 * another node is seen here at most REMEMBER_MS later. Codes, refresh tokens and everything
 * single-use are always read from the database.
 */
const REMEMBERED_MODELS = new Set(['AccessToken', 'Grant', 'Session']);
const REMEMBER_MS = 1000;
const REMEMBER_MAX_ENTRIES = 20_000;

class RecentReads {
  private readonly entries = new Map<string, { payload: AdapterPayload; until: number; id: string }>();

  get(model: string, column: string, value: string): AdapterPayload | undefined {
    const entry = this.entries.get(`${model}|${column}|${value}`);
    // The entry must still be the one under its id: a write forgets the id, a later read may remember a newer one.
    if (!entry || entry.until < Date.now() || this.entries.get(`${model}|id|${entry.id}`) !== entry) return undefined;
    // A copy: the provider's models change what they are given before saving it.
    return structuredClone(entry.payload);
  }

  remember(model: string, column: string, value: string, payload: AdapterPayload): void {
    if (!REMEMBERED_MODELS.has(model) || payload.consumed !== undefined) return;
    if (this.entries.size >= REMEMBER_MAX_ENTRIES) this.entries.clear();
    const id = column === 'id' ? value : String(payload.jti ?? (payload as { id?: string }).id ?? '');
    if (!id) return;
    const entry = { payload: structuredClone(payload), until: Date.now() + REMEMBER_MS, id };
    this.entries.set(`${model}|id|${id}`, entry);
    this.entries.set(`${model}|${column}|${value}`, entry);
  }

  forget(model: string, id: string): void {
    this.entries.delete(`${model}|id|${id}`);
  }

  forgetAll(): void {
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
