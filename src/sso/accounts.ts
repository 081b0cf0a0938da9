import { randomBytes, randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { IdentityClaims, UpstreamIdentity } from '../../adapters/identity/identity-provider';
import type { Database } from '../db/schema';

/**
 * Citizens' accounts at the hub. One account per person: a login links by the upstream
 * subject first (the same provider, the same person), then by identity number (the same
 * person through another provider), else a new account is made. `sub` is random and never
 * changes; the claims are the latest any provider gave.
 */
export interface SsoAccount {
  sub: string;
  techId: string;
  idNumber: string | null;
  accountType: 'CITIZEN' | 'ENTERPRISE';
  claims: IdentityClaims;
}

type AccountRow = { sub: string; tech_id: string; id_number: string | null; account_type: string; claims: Record<string, unknown> };

const toAccount = (row: AccountRow): SsoAccount => ({
  sub: row.sub,
  techId: row.tech_id,
  idNumber: row.id_number,
  accountType: row.account_type === 'ENTERPRISE' ? 'ENTERPRISE' : 'CITIZEN',
  claims: row.claims as IdentityClaims,
});

export async function findAccount(db: Kysely<Database>, sub: string): Promise<SsoAccount | undefined> {
  const row = await db.selectFrom('sso_accounts').select(['sub', 'tech_id', 'id_number', 'account_type', 'claims']).where('sub', '=', sub).executeTakeFirst();
  return row && toAccount(row);
}

const REMEMBER_MS = 1000;
const REMEMBER_MAX_ACCOUNTS = 20_000;

/**
 * Accounts as userinfo reads them, kept for a second (a portal's burst of calls reads the
 * row once). A login on this node replaces the account at once; one on another node shows
 * its new claims here at most a second later.
 */
export class AccountReader {
  private readonly recent = new Map<string, { account: SsoAccount; until: number }>();

  constructor(private readonly db: Kysely<Database>) {}

  async find(sub: string): Promise<SsoAccount | undefined> {
    const kept = this.recent.get(sub);
    if (kept && kept.until >= Date.now()) return kept.account;
    const account = await findAccount(this.db, sub);
    if (account) this.remember(account);
    return account;
  }

  /** The account as a login on this node just left it. */
  remember(account: SsoAccount): void {
    if (this.recent.size >= REMEMBER_MAX_ACCOUNTS) this.recent.clear();
    this.recent.set(account.sub, { account, until: Date.now() + REMEMBER_MS });
  }
}

const UNIQUE_VIOLATION = '23505';

/** The account of this upstream identity, linked or made now, with its claims brought up to date. */
export async function linkAccount(db: Kysely<Database>, providerCode: string, identity: UpstreamIdentity): Promise<SsoAccount> {
  const returning = await returningLogin(db, providerCode, identity);
  if (returning) return returning;
  try {
    return await linkOnce(db, providerCode, identity);
  } catch (error) {
    // Two first logins of one person at once: the other made the account or link; this try finds it.
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    return linkOnce(db, providerCode, identity);
  }
}

/**
 * Most logins are a citizen coming back through a provider already linked, with the
 * identity number the account already holds (or none): one statement brings the link's
 * last login and the account's claims up to date. Anything else (a first login, a new or
 * changed identity number) takes the whole transaction below.
 */
async function returningLogin(db: Kysely<Database>, providerCode: string, identity: UpstreamIdentity): Promise<SsoAccount | undefined> {
  const { id_number: idNumber, ...claims } = identity.claims;
  const now = new Date();
  const { rows } = await sql<AccountRow>`
    WITH link AS (
      UPDATE sso_account_links SET last_login_at = ${now}
      WHERE provider_code = ${providerCode} AND upstream_subject = ${identity.subject}
      RETURNING account_sub
    )
    UPDATE sso_accounts a
    SET claims = a.claims || ${JSON.stringify(claims)}::jsonb,
        account_type = coalesce((a.claims || ${JSON.stringify(claims)}::jsonb) ->> 'account_type', a.account_type),
        updated_at = ${now}
    FROM link
    WHERE a.sub = link.account_sub AND (${idNumber ?? null}::text IS NULL OR a.id_number = ${idNumber ?? null})
    RETURNING a.sub, a.tech_id, a.id_number, a.account_type, a.claims`.execute(db);
  return rows[0] && toAccount(rows[0]);
}

async function linkOnce(db: Kysely<Database>, providerCode: string, identity: UpstreamIdentity): Promise<SsoAccount> {
  const { id_number: idNumber, ...claims } = identity.claims;
  return db.transaction().execute(async (trx) => {
    const linked = await trx
      .selectFrom('sso_account_links')
      .select('account_sub')
      .where('provider_code', '=', providerCode)
      .where('upstream_subject', '=', identity.subject)
      .executeTakeFirst();
    let sub = linked?.account_sub;
    if (sub === undefined && idNumber !== undefined) {
      sub = (await trx.selectFrom('sso_accounts').select('sub').where('id_number', '=', idNumber).executeTakeFirst())?.sub;
    }
    const now = new Date();
    if (sub === undefined) {
      sub = randomBytes(16).toString('base64url');
      await trx
        .insertInto('sso_accounts')
        .values({ sub, tech_id: claims.tech_id ?? randomUUID(), id_number: idNumber ?? null, account_type: claims.account_type ?? 'CITIZEN', claims: JSON.stringify(claims), updated_at: now })
        .execute();
    }
    await trx
      .insertInto('sso_account_links')
      .values({ provider_code: providerCode, upstream_subject: identity.subject, account_sub: sub, last_login_at: now })
      .onConflict((oc) => oc.columns(['provider_code', 'upstream_subject']).doUpdateSet({ last_login_at: now }))
      .execute();
    const current = await trx.selectFrom('sso_accounts').select(['sub', 'tech_id', 'id_number', 'account_type', 'claims']).where('sub', '=', sub).forUpdate().executeTakeFirstOrThrow();
    // The newest value of each claim wins; a claim this provider did not give keeps the earlier one.
    const merged = { ...(current.claims as IdentityClaims), ...claims };
    // A first identity number, or a changed one (old 9-digit CMND → 12-digit CCCD) that no other account holds.
    const changedIdNumber = idNumber !== undefined && idNumber !== current.id_number ? idNumber : undefined;
    const takenElsewhere = changedIdNumber !== undefined && (await trx.selectFrom('sso_accounts').select('sub').where('id_number', '=', changedIdNumber).executeTakeFirst()) !== undefined;
    const updated = await trx
      .updateTable('sso_accounts')
      .set({
        claims: JSON.stringify(merged),
        account_type: merged.account_type ?? current.account_type,
        id_number: changedIdNumber !== undefined && !takenElsewhere ? changedIdNumber : current.id_number,
        updated_at: now,
      })
      .where('sub', '=', sub)
      .returning(['sub', 'tech_id', 'id_number', 'account_type', 'claims'])
      .executeTakeFirstOrThrow();
    return toAccount(updated);
  });
}
