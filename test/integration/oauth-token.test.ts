import { type KeyObject, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner, createVerifier } from 'fast-jwt';
import { hashSecret } from '../../src/parties/secrets';
import { describeEachEngine } from '../support/databases';
import { SECRETS, TEST_PARTIES, clientKeys } from '../support/parties';
import { type TestHub, startTestHub } from '../support/test-hub';

const TOKEN_URL = 'http://hub.test/oauth/token';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const HASHED_SECRET = 'hashed-secret-0123456789';

const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);
const publicJwk = (key: KeyObject, kid: string) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'ES256' });

/** A client assertion (RFC 7523) for `clientId`, valid unless `claims` or the key say otherwise. */
function assertion(clientId: string, options: { key?: KeyObject; kid?: string; claims?: Record<string, unknown> } = {}): string {
  const sign = createSigner({ key: (options.key ?? clientKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'ES256', kid: options.kid ?? 'hanoi-key-1' });
  return sign({ iss: clientId, sub: clientId, aud: TOKEN_URL, exp: now() + 120, jti: randomUUID(), ...options.claims });
}

const assertionForm = (jwt: string) => `grant_type=client_credentials&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${jwt}`;

/** A JWKS document served over HTTP on 127.0.0.1; the test may replace `served.keys`. */
async function serveJwks(keys: Record<string, unknown>[]): Promise<{ url: string; server: Server; served: { keys: Record<string, unknown>[] } }> {
  const served = { keys };
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, server, served };
}

describeEachEngine('POST /oauth/token', (engine) => {
  const remoteKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let jwks: Awaited<ReturnType<typeof serveJwks>>;
  let hub: TestHub;

  beforeAll(async () => {
    jwks = await serveJwks([publicJwk(remoteKey.publicKey, 'remote-1')]);
    hub = await startTestHub(engine, {
      parties: [
        ...TEST_PARTIES,
        {
          code: '000.00.00.H29',
          name: 'Hồ Chí Minh City one-stop system',
          kind: 'PROVINCE',
          jurisdiction: ['*.H29'],
          scopes: ['dossiers:read'],
          clients: [
            { clientId: 'hcm-hashed', clientSecretHash: await hashSecret(HASHED_SECRET) },
            { clientId: 'hcm-remote', jwksUri: jwks.url },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    await hub.close();
    jwks.server.closeAllConnections();
    await new Promise((resolve) => jwks.server.close(resolve));
  });

  const requestToken = (payload: string, headers: Record<string, string> = {}) => hub.app.inject({ method: 'POST', url: '/oauth/token', headers: { ...FORM, ...headers }, payload });

  async function verifyWithHubJwks(token: string): Promise<Record<string, unknown>> {
    const published = await hub.app.inject({ method: 'GET', url: '/oauth/jwks' });
    expect(published.statusCode).toBe(200);
    const [jwk] = published.json().keys as Record<string, unknown>[];
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    return createVerifier({ key: pem, algorithms: ['ES256'] })(token) as Record<string, unknown>;
  }

  function expectOAuthError(response: Awaited<ReturnType<typeof requestToken>>, status: number, error: string): void {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ error, error_description: expect.any(String) });
  }

  it('issues a token signed with the key the JWKS publishes, to a client using client_secret_basic', async () => {
    const response = await requestToken('grant_type=client_credentials', { authorization: basic('hanoi', SECRETS.hanoi) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number), scope: 'dossiers:write dossiers:read events:read' });
    expect(body.expires_in).toBeLessThanOrEqual(3600);
    const claims = await verifyWithHubJwks(body.access_token);
    expect(claims).toMatchObject({ iss: 'http://hub.test', sub: 'hanoi', party: '000.00.00.H26', scope: 'dossiers:write dossiers:read events:read', jti: expect.any(String) });
    expect(claims.exp as number).toBeGreaterThan(now());
    expect((claims.exp as number) - now()).toBeLessThanOrEqual(3600);
  });

  it('issues a token to a client using client_secret_post', async () => {
    const response = await requestToken(`grant_type=client_credentials&client_id=mof&client_secret=${SECRETS.mof}`);
    expect(response.statusCode).toBe(200);
    const claims = await verifyWithHubJwks(response.json().access_token);
    expect(claims).toMatchObject({ sub: 'mof', party: '000.00.00.G12' });
  });

  it('gives every token its own jti', async () => {
    const [first, second] = await Promise.all([hub.token('hanoi'), hub.token('hanoi')]);
    const [a, b] = await Promise.all([verifyWithHubJwks(first), verifyWithHubJwks(second)]);
    expect(a.jti).not.toBe(b.jti);
  });

  it('accepts the Basic scheme name in any letter case', async () => {
    const response = await requestToken('grant_type=client_credentials', { authorization: basic('hanoi', SECRETS.hanoi).replace('Basic', 'basic') });
    expect(response.statusCode).toBe(200);
  });

  it('grants only the requested scopes when they are a subset of the party’s', async () => {
    const response = await requestToken('grant_type=client_credentials&scope=dossiers%3Aread', { authorization: basic('hanoi', SECRETS.hanoi) });
    expect(response.statusCode).toBe(200);
    expect(response.json().scope).toBe('dossiers:read');
    expect((await verifyWithHubJwks(response.json().access_token)).scope).toBe('dossiers:read');
  });

  it('refuses a scope the party was not given with invalid_scope', async () => {
    const response = await requestToken('grant_type=client_credentials&scope=dossiers%3Aread%20payments%3Awrite', { authorization: basic('hanoi', SECRETS.hanoi) });
    expectOAuthError(response, 400, 'invalid_scope');
  });

  it('refuses a wrong secret with 401 invalid_client and a Basic challenge', async () => {
    const response = await requestToken('grant_type=client_credentials', { authorization: basic('hanoi', 'wrong-secret-0123456789') });
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toBe('Basic realm="lien-thong"');
  });

  it('answers an unknown client exactly as a wrong secret', async () => {
    const unknown = await requestToken('grant_type=client_credentials', { authorization: basic('nobody', SECRETS.hanoi) });
    const wrong = await requestToken('grant_type=client_credentials', { authorization: basic('hanoi', 'wrong-secret-0123456789') });
    expectOAuthError(unknown, 401, 'invalid_client');
    expect(unknown.json()).toEqual(wrong.json());
    expect(unknown.headers['www-authenticate']).toBe('Basic realm="lien-thong"');
  });

  it('refuses a wrong client_secret_post secret without a Basic challenge', async () => {
    const response = await requestToken('grant_type=client_credentials&client_id=mof&client_secret=wrong-secret-0123456789');
    expectOAuthError(response, 401, 'invalid_client');
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a request without client authentication', async () => {
    expectOAuthError(await requestToken('grant_type=client_credentials&client_id=mof'), 401, 'invalid_client');
  });

  it('refuses a grant type other than client_credentials with unsupported_grant_type', async () => {
    const response = await requestToken('grant_type=password&username=a&password=b', { authorization: basic('hanoi', SECRETS.hanoi) });
    expectOAuthError(response, 400, 'unsupported_grant_type');
  });

  it('refuses a JSON body with invalid_request', async () => {
    const response = await hub.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: basic('hanoi', SECRETS.hanoi), 'content-type': 'application/json' },
      payload: { grant_type: 'client_credentials' },
    });
    expectOAuthError(response, 400, 'invalid_request');
  });

  it('answers a body it cannot parse the OAuth way, not as problem+json', async () => {
    const headers = { authorization: basic('hanoi', SECRETS.hanoi) };
    const malformed = await hub.app.inject({ method: 'POST', url: '/oauth/token', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"grant_type":' });
    expectOAuthError(malformed, 400, 'invalid_request');
    const plain = await hub.app.inject({ method: 'POST', url: '/oauth/token', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'grant_type=client_credentials' });
    expectOAuthError(plain, 400, 'invalid_request');
  });

  it('refuses a body over the size limit with 413 invalid_request', async () => {
    const response = await requestToken(`grant_type=client_credentials&scope=${'x'.repeat(hub.config.bodyLimit)}`, { authorization: basic('hanoi', SECRETS.hanoi) });
    expectOAuthError(response, 413, 'invalid_request');
  });

  it('refuses two client authentication methods at once with invalid_request', async () => {
    const response = await requestToken(`grant_type=client_credentials&client_id=hanoi&client_secret=${SECRETS.hanoi}`, { authorization: basic('hanoi', SECRETS.hanoi) });
    expectOAuthError(response, 400, 'invalid_request');
  });

  describe('private_key_jwt', () => {
    it('issues a token for a valid client assertion addressed to the token endpoint', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt')));
      expect(response.statusCode).toBe(200);
      expect(await verifyWithHubJwks(response.json().access_token)).toMatchObject({ sub: 'hanoi-jwt', party: '000.00.00.H26' });
    });

    it('accepts a client assertion addressed to the issuer', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { claims: { aud: 'http://hub.test' } })));
      expect(response.statusCode).toBe(200);
    });

    it('accepts a client assertion from a client whose clock runs a few seconds ahead', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { claims: { iat: now() + 3, nbf: now() + 3 } })));
      expect(response.statusCode).toBe(200);
    });

    it('refuses a client assertion whose jti was already used', async () => {
      const jwt = assertion('hanoi-jwt');
      expect((await requestToken(assertionForm(jwt))).statusCode).toBe(200);
      const replay = await requestToken(assertionForm(jwt));
      expectOAuthError(replay, 401, 'invalid_client');
      expect(replay.json().error_description).toMatch(/jti/);
    });

    it('refuses a client assertion signed by another key under the registered kid', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      expectOAuthError(await requestToken(assertionForm(assertion('hanoi-jwt', { key: other.privateKey }))), 401, 'invalid_client');
    });

    it('refuses a client assertion addressed to another audience', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { claims: { aud: 'http://other-hub.test/oauth/token' } })));
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses an expired client assertion', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { claims: { iat: now() - 120, exp: now() - 60 } })));
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses a client assertion that lives longer than five minutes', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { claims: { exp: now() + 3600 } })));
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses a client assertion naming a kid the client never registered', async () => {
      const response = await requestToken(assertionForm(assertion('hanoi-jwt', { kid: 'hanoi-key-2' })));
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses a client assertion whose issuer is another client', async () => {
      const response = await requestToken(`${assertionForm(assertion('hanoi-jwt', { claims: { iss: 'hanoi' } }))}&client_id=hanoi-jwt`);
      expectOAuthError(response, 401, 'invalid_client');
    });

    it('refuses a client assertion of an unknown client', async () => {
      expectOAuthError(await requestToken(assertionForm(assertion('nobody'))), 401, 'invalid_client');
    });

    it('verifies assertions against the keys at the client’s jwksUri', async () => {
      const response = await requestToken(assertionForm(assertion('hcm-remote', { key: remoteKey.privateKey, kid: 'remote-1' })));
      expect(response.statusCode).toBe(200);
      expect(await verifyWithHubJwks(response.json().access_token)).toMatchObject({ sub: 'hcm-remote', party: '000.00.00.H29' });
      const forged = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      expectOAuthError(await requestToken(assertionForm(assertion('hcm-remote', { key: forged.privateKey, kid: 'remote-1' }))), 401, 'invalid_client');
    });

    it('reads the jwksUri again when an assertion names a kid it has not seen, so that a party can rotate keys', async () => {
      const rotated = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      jwks.served.keys = [publicJwk(rotated.publicKey, 'remote-2')];
      const response = await requestToken(assertionForm(assertion('hcm-remote', { key: rotated.privateKey, kid: 'remote-2' })));
      expect(response.statusCode).toBe(200);
    });

    it('refuses, as invalid_client, a key at the jwksUri that is not a usable public key', async () => {
      jwks.served.keys = [{ kty: 'EC', crv: 'P-256', x: 'not-a-point', y: 'not-a-point', kid: 'remote-broken', use: 'sig' }];
      const response = await requestToken(assertionForm(assertion('hcm-remote', { key: remoteKey.privateKey, kid: 'remote-broken' })));
      expectOAuthError(response, 401, 'invalid_client');
    });
  });

  describe('a client registered with clientSecretHash', () => {
    it('authenticates with its secret', async () => {
      const response = await requestToken('grant_type=client_credentials', { authorization: basic('hcm-hashed', HASHED_SECRET) });
      expect(response.statusCode).toBe(200);
      expect(await verifyWithHubJwks(response.json().access_token)).toMatchObject({ sub: 'hcm-hashed', party: '000.00.00.H29', scope: 'dossiers:read' });
    });

    it('is refused with any other secret', async () => {
      const response = await requestToken('grant_type=client_credentials', { authorization: basic('hcm-hashed', `${HASHED_SECRET}x`) });
      expectOAuthError(response, 401, 'invalid_client');
    });
  });
});
