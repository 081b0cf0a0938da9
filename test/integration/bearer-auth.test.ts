import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { describeEachEngine } from '../support/databases';
import { TEST_PARTIES } from '../support/parties';
import { type TestHub, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

const now = () => Math.floor(Date.now() / 1000);

describeEachEngine('bearer authentication', (engine) => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startTestHub(engine)));
  afterAll(() => hub.close());

  const listDossiers = (headers: Record<string, string> = {}) => hub.app.inject({ method: 'GET', url: '/v1/dossiers', headers });
  const withToken = (token: string) => listDossiers({ authorization: `Bearer ${token}` });

  /** A token shaped like the hub's (by default signed with the hub's own key), `claims` overriding. */
  function forge(claims: Record<string, unknown> = {}, key = { pem: hub.app.hub.signingKey.privatePem, kid: hub.app.hub.signingKey.kid }): string {
    const sign = createSigner({ key: key.pem, algorithm: 'ES256', kid: key.kid });
    return sign({ iss: 'http://hub.test', sub: 'hanoi', party: '000.00.00.H26', scope: 'dossiers:read', jti: randomUUID(), iat: now(), exp: now() + 600, ...claims });
  }

  function anotherKey(): { pem: string; kid: string } {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), kid: hub.app.hub.signingKey.kid };
  }

  function expectUnauthenticated(response: Awaited<ReturnType<typeof listDossiers>>): void {
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  }

  it('accepts a token from POST /oauth/token', async () => {
    const response = await withToken(await hub.token('hanoi'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [], nextCursor: null });
  });

  it('accepts a token signed with the hub’s key and carrying the hub’s claims', async () => {
    // The control for the forged tokens below: each differs from this one in one respect.
    expect((await withToken(forge())).statusCode).toBe(200);
  });

  it('refuses a request without Authorization with 401 UNAUTHENTICATED and a Bearer challenge', async () => {
    expectUnauthenticated(await listDossiers());
  });

  it('refuses an Authorization header of another scheme', async () => {
    expectUnauthenticated(await listDossiers({ authorization: `Basic ${Buffer.from('hanoi:hanoi-secret-0123456789').toString('base64')}` }));
  });

  it('refuses a bearer token that is not a JWT', async () => {
    expectUnauthenticated(await withToken('not-a-jwt'));
  });

  it('refuses a token signed by another ES256 key', async () => {
    expectUnauthenticated(await withToken(forge({}, anotherKey())));
  });

  it('refuses a token signed by another key in another issuer’s name', async () => {
    expectUnauthenticated(await withToken(forge({ iss: 'http://other-hub.test' }, anotherKey())));
  });

  it('refuses a token the same signing key issued under another PUBLIC_URL', async () => {
    // A second hub on the same database shares the signing key; only the issuer differs.
    const other = await buildApp({ config: loadConfig({ PUBLIC_URL: 'http://other-hub.test', RATE_LIMIT_MAX: '100000' }), database: hub.database, parties: TEST_PARTIES });
    try {
      const issued = await other.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials&client_id=hanoi&client_secret=hanoi-secret-0123456789',
      });
      const token = issued.json().access_token as string;
      expect((await other.inject({ method: 'GET', url: '/v1/dossiers', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      expectUnauthenticated(await withToken(token));
    } finally {
      await other.close();
    }
  });

  it('refuses an expired token signed with the hub’s own key', async () => {
    expectUnauthenticated(await withToken(forge({ iat: now() - 7200, exp: now() - 3600 })));
  });

  it('refuses a token signed with HS256 using the hub’s public key as the secret', async () => {
    const sign = createSigner({ key: hub.app.hub.signingKey.publicPem, algorithm: 'HS256', kid: hub.app.hub.signingKey.kid });
    expectUnauthenticated(await withToken(sign({ iss: 'http://hub.test', sub: 'hanoi', party: '000.00.00.H26', scope: 'dossiers:read', jti: randomUUID(), exp: now() + 600 })));
  });

  it('refuses a token whose client is not registered', async () => {
    expectUnauthenticated(await withToken(forge({ sub: 'ghost' })));
  });

  it('refuses a token whose party is not the party of its client', async () => {
    expectUnauthenticated(await withToken(forge({ sub: 'hanoi', party: 'dvcqg' })));
  });

  it('refuses a token without the party claim', async () => {
    expectUnauthenticated(await withToken(forge({ party: undefined })));
  });

  it('refuses a valid token without the scope the operation needs with 403 FORBIDDEN', async () => {
    const response = await hub.app.inject({ method: 'PUT', url: `/v1/dossiers/${newDossierCode()}`, headers: { authorization: `Bearer ${await hub.token('portal')}` }, payload: dossierHeader() });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('holds a client to the scopes of its token, not those of its party', async () => {
    const token = await hub.token('hanoi', 'dossiers:read');
    const response = await hub.app.inject({ method: 'PUT', url: `/v1/dossiers/${newDossierCode()}`, headers: { authorization: `Bearer ${token}` }, payload: dossierHeader() });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('FORBIDDEN');
  });
});
