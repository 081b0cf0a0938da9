import type { UpstreamIdentity } from '../../adapters/identity/identity-provider';
import type { DatabaseHandle } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { findAccount, linkAccount } from '../../src/sso/accounts';
import { SsoPayloadStore } from '../../src/sso/payload-store';
import { describeEachEngine, openTestDatabase } from '../support/databases';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${(counter += 1)}`;
const identity = (subject: string, claims: UpstreamIdentity['claims']): UpstreamIdentity => ({ subject, claims, acr: 'LoA2' });

describeEachEngine('single sign-on storage', (engine) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase(engine);
    await migrateToLatest(database.db);
  });
  afterAll(() => database.close());

  describe('accounts', () => {
    it('brings a returning citizen’s claims up to date, keeping the claims this login did not give', async () => {
      const subject = unique('sub');
      const first = await linkAccount(database.db, 'vneid', identity(subject, { id_number: '001090000001', name: 'Nguyễn Văn A', birthdate: '1990-01-02' }));
      const again = await linkAccount(database.db, 'vneid', identity(subject, { id_number: '001090000001', name: 'Nguyễn Văn Á', account_type: 'CITIZEN' }));
      expect(again).toEqual({ ...first, claims: { name: 'Nguyễn Văn Á', birthdate: '1990-01-02', account_type: 'CITIZEN' } });
      expect(await findAccount(database.db, first.sub)).toEqual(again);
    });

    it('takes a changed identity number (CMND to CCCD) unless another account holds it', async () => {
      const subject = unique('sub');
      const cmnd = await linkAccount(database.db, 'vneid', identity(subject, { id_number: '012345678', name: 'Trần Thị B' }));
      const cccd = await linkAccount(database.db, 'vneid', identity(subject, { id_number: '001190000002', name: 'Trần Thị B' }));
      expect([cccd.sub, cccd.idNumber]).toEqual([cmnd.sub, '001190000002']);

      const other = await linkAccount(database.db, 'vneid', identity(unique('sub'), { id_number: '001190000003' }));
      const clash = await linkAccount(database.db, 'vneid', identity(subject, { id_number: '001190000003' }));
      expect([clash.sub, clash.idNumber]).toEqual([cmnd.sub, '001190000002']);
      expect(other.sub).not.toBe(cmnd.sub);
    });

    it('links another provider’s login to the account with the same identity number', async () => {
      const viaVneid = await linkAccount(database.db, 'vneid', identity(unique('sub'), { id_number: '001090000004' }));
      const viaCa = await linkAccount(database.db, 'ca', identity(unique('cert'), { id_number: '001090000004', email: 'a@example.vn' }));
      expect(viaCa.sub).toBe(viaVneid.sub);
      expect(viaCa.claims).toEqual({ email: 'a@example.vn' });
    });

    it('makes one account when two first logins of one person arrive at once', async () => {
      const subject = unique('sub');
      const both = await Promise.all([1, 2].map(() => linkAccount(database.db, 'vneid', identity(subject, { id_number: '001090000005' }))));
      expect(both[0]!.sub).toBe(both[1]!.sub);
    });
  });

  describe('provider payloads', () => {
    it('answers each of many concurrent reads and writes with its own payload', async () => {
      const adapter = new SsoPayloadStore(database.db).adapterFactory('Session');
      const ids = Array.from({ length: 50 }, () => unique('session'));
      await Promise.all(ids.map((id) => adapter.upsert(id, { jti: id, uid: `uid-${id}`, accountId: id }, 60)));
      // The same payload written twice in one batch: the later write wins.
      await Promise.all([adapter.upsert(ids[0]!, { jti: ids[0], accountId: 'first' }, 60), adapter.upsert(ids[0]!, { jti: ids[0], accountId: 'second' }, 60)]);
      const read = await Promise.all([...ids.map((id) => adapter.find(id)), adapter.findByUid(`uid-${ids[1]}`), adapter.find('missing')]);
      expect(read.map((payload) => payload?.accountId)).toEqual(['second', ...ids.slice(1), ids[1], undefined]);
    });

    it('never returns an expired or destroyed payload, and marks a consumed one', async () => {
      const adapter = new SsoPayloadStore(database.db).adapterFactory('AuthorizationCode');
      const [live, other, expired, destroyed] = [unique('code'), unique('code'), unique('code'), unique('code')];
      await Promise.all([live, other, expired, destroyed].map((id) => adapter.upsert(id, { jti: id }, 60)));
      await database.db.updateTable('sso_payloads').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', expired).execute();
      await Promise.all([adapter.consume(live), adapter.destroy(destroyed)]);
      const found = await Promise.all([live, other, expired, destroyed].map((id) => adapter.find(id)));
      expect(found).toEqual([{ jti: live, consumed: expect.any(Number) }, { jti: other }, undefined, undefined]);
    });

    it('gives every reader its own copy of a remembered payload, and forgets it when this node changes it', async () => {
      const adapter = new SsoPayloadStore(database.db).adapterFactory('Grant');
      const id = unique('grant');
      await adapter.upsert(id, { jti: id, openid: { scope: 'openid' } }, 60);
      const first = (await adapter.find(id)) as { openid: { scope: string } };
      first.openid.scope = 'changed by its reader';
      expect(await adapter.find(id)).toMatchObject({ openid: { scope: 'openid' } });
      await adapter.upsert(id, { jti: id, openid: { scope: 'openid profile' } }, 60);
      expect(await adapter.find(id)).toMatchObject({ openid: { scope: 'openid profile' } });
    });

    it('does not remember what a read brought back if this node changed the row while the read was under way', async () => {
      const adapter = new SsoPayloadStore(database.db).adapterFactory('AccessToken');
      const id = unique('token');
      await adapter.upsert(id, { jti: id, scope: 'openid' }, 60);
      // The read is queued first, so it may see the old payload; the write lands before it is remembered.
      const [before] = await Promise.all([adapter.find(id), adapter.upsert(id, { jti: id, scope: 'openid profile' }, 60)]);
      expect(before?.scope).toBeDefined();
      expect(await adapter.find(id)).toMatchObject({ scope: 'openid profile' });
    });
  });
});
