import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { type Browser, chromium } from 'playwright-core';
import { DEMO_PORTAL_REDIRECT_URI, type DemoCredentials } from '../../src/parties/demo-parties';
import { findFreePort } from '../bench/children';
import { ENGINES, createPostgresDatabase } from '../support/databases';
import { type HubProcess, killAllHubs, startReadyHub } from '../support/process';
import { TestBrowser, chooserForm } from '../support/sso/browser';
import { type UpstreamIdp, startUpstreamIdp } from '../support/sso/upstream-idp';

/**
 * Single sign-on against the real hub process (`node dist/src/server.js`): a citizen logs in
 * in headless Chromium through the chooser page, and a portal authenticates with
 * private_key_jwt (which only plain Node, not Jest's realms, can verify inside the hub).
 */
jest.setTimeout(60_000);

/** Debian's Chromium (CI installs it); run as root it needs --no-sandbox. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let workDir: string;
const databases: { drop(): Promise<void> }[] = [];
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-sso-'));
});
afterAll(async () => {
  await killAllHubs();
  await Promise.all(databases.map((database) => database.drop()));
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** PostgreSQL when the run has one (a hub boots on it in a second; a fresh PGlite takes several). */
async function databaseEnv(): Promise<Record<string, string>> {
  if (!ENGINES.includes('postgres')) return {};
  const database = await createPostgresDatabase();
  databases.push(database);
  return { DATABASE_URL: database.url };
}

async function pkce() {
  const verifier = oidc.randomPKCECodeVerifier();
  return { verifier, challenge: await oidc.calculatePKCECodeChallenge(verifier), state: oidc.randomState(), nonce: oidc.randomNonce() };
}

describe('a citizen in a browser, on the hub started without a PARTIES_FILE (demo identity provider)', () => {
  let hub: HubProcess;
  let browser: Browser;

  beforeAll(async () => {
    hub = await startReadyHub({ env: { DATA_DIR: path.join(workDir, 'demo'), ...(await databaseEnv()) } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('logs in through the chooser page and the demo provider, and the portal gets the claims', async () => {
    const credentials = JSON.parse(fs.readFileSync(path.join(workDir, 'demo', 'demo-credentials.json'), 'utf8')) as DemoCredentials;
    const secret = credentials.clients.find((c) => c.clientId === 'demo-portal')!.clientSecret;
    const portal = await oidc.discovery(new URL(hub.baseUrl), 'demo-portal', secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
    const { verifier, challenge, state, nonce } = await pkce();
    const authorize = oidc.buildAuthorizationUrl(portal, { redirect_uri: DEMO_PORTAL_REDIRECT_URI, scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state, nonce });

    // A phone-sized screen, Vietnamese by default.
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, locale: 'vi-VN' });
    const csp: string[] = [];
    page.on('response', (response) => {
      const header = response.headers()['content-security-policy'];
      if (header) csp.push(header);
    });
    // The portal itself is not running: answer its redirect URI in the browser.
    await page.route(`${DEMO_PORTAL_REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>portal</title>' }));
    await page.goto(authorize.href);
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await expect(page.title()).resolves.toBe('Đăng nhập');
    const choose = page.getByRole('button', { name: 'Đăng nhập bằng Demo identity provider (DEMO ONLY)' });
    const width = await choose.evaluate((button) => button.getBoundingClientRect().width);
    expect(width).toBeGreaterThan(300);
    await choose.click();

    await page.getByLabel('Họ và tên').fill('Nguyễn Văn An');
    await page.getByLabel('Số định danh cá nhân (12 chữ số)').fill('001099012345');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.waitForURL(`${DEMO_PORTAL_REDIRECT_URI}?**`);
    expect(csp.every((header) => header.includes("default-src 'none'"))).toBe(true);

    const tokens = await oidc.authorizationCodeGrant(portal, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()).toMatchObject({ acr: 'LoA2', iss: hub.baseUrl });
    const claims = await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub);
    expect(claims).toMatchObject({ name: 'Nguyễn Văn An', id_number: '001099012345', account_type: 'CITIZEN', acr: 'LoA2' });
    await page.close();
  });

  it('shows the chooser in English with ?lang=en', async () => {
    const page = await browser.newPage({ locale: 'vi-VN' });
    const { challenge } = await pkce();
    const authorize = new URL('/oidc/auth', hub.baseUrl);
    authorize.search = new URLSearchParams({ client_id: 'demo-portal', redirect_uri: DEMO_PORTAL_REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
    await page.goto(authorize.href);
    await page.getByRole('link', { name: 'Switch to English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect(page.getByRole('button', { name: 'Sign in with Demo identity provider (DEMO ONLY)' }).isVisible()).resolves.toBe(true);
    await page.close();
  });
});

describe('a portal authenticating with private_key_jwt, on the hub started with a PARTIES_FILE', () => {
  let hub: HubProcess;
  let upstream: UpstreamIdp;
  let portalKey: CryptoKeyPair;
  const redirectUri = 'http://127.0.0.1:9/portal/callback';

  beforeAll(async () => {
    const port = await findFreePort();
    upstream = await startUpstreamIdp({ hubCallbackUrl: `http://127.0.0.1:${port}/sso/callback/vneid` });
    portalKey = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', portalKey.publicKey);
    const partiesFile = path.join(workDir, 'parties.json');
    fs.writeFileSync(
      partiesFile,
      JSON.stringify({
        parties: [
          {
            code: 'dvcqg',
            name: 'National portal',
            kind: 'PORTAL',
            jurisdiction: ['*'],
            scopes: ['dossiers:read'],
            clients: [{ clientId: 'portal-jwt', jwks: { keys: [{ kty, crv, x, y, kid: 'portal-key-1', alg: 'ES256', use: 'sig' }] }, redirectUris: [redirectUri] }],
          },
          { code: 'vneid', name: 'VNeID', kind: 'IDENTITY_PROVIDER', provider: 'oidc', settings: { issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, acr: ['LoA2'] } },
        ],
      }),
    );
    hub = await startReadyHub({ env: { DATA_DIR: path.join(workDir, 'parties'), PARTIES_FILE: partiesFile, PORT: String(port), ...(await databaseEnv()) } });
  });
  afterAll(async () => {
    await hub?.stop();
    await upstream?.close();
  });

  it('accepts an assertion signed with the registered key and refuses a forged one', async () => {
    const withKey = (key: CryptoKey) => oidc.discovery(new URL(hub.baseUrl), 'portal-jwt', {}, oidc.PrivateKeyJwt({ key, kid: 'portal-key-1' }), { execute: [oidc.allowInsecureRequests] });
    const portal = await withKey(portalKey.privateKey);
    const { verifier, challenge, state, nonce } = await pkce();
    const browser = new TestBrowser();
    const chooser = await browser.follow(oidc.buildAuthorizationUrl(portal, { redirect_uri: redirectUri, scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256', state, nonce }), redirectUri);
    const { action, fields } = chooserForm(chooser.body, 'vneid');
    const back = await browser.follow(new URL(action, hub.baseUrl), redirectUri, { form: fields });
    const callback = back.location!;

    const forged = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    await expect(oidc.authorizationCodeGrant(await withKey(forged.privateKey), callback, { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({ error: 'invalid_client' });
    const tokens = await oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    expect(tokens.claims()).toMatchObject({ aud: 'portal-jwt' });
    expect(await oidc.fetchUserInfo(portal, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ name: 'Bùi Thị Lan', id_number: '001190099999' });
  });
});
