import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { request } from 'undici';
import type { PartyDeclaration } from '../../src/parties/party';
import { describeEachEngine } from '../support/databases';
import { SECRETS, TEST_PARTIES } from '../support/parties';
import { TestBrowser, chooserForm } from '../support/sso/browser';
import { type ListeningHub, findFreePort, startListeningHub } from '../support/sso/sso-hub';
import { type UpstreamIdp, startUpstreamIdp } from '../support/sso/upstream-idp';

/**
 * Single sign-on end to end over real HTTP: openid-client as the portal, the hub as the
 * OpenID provider, a second oidc-provider as the upstream identity provider (VNeID-style).
 * private_key_jwt and the browser are tested against the hub process (test/e2e/sso.test.ts):
 * inside Jest's realms, oidc-provider cannot verify a client's key.
 */
jest.setTimeout(60_000);

const PORTAL_SECRET = 'portal-sso-secret-0123456789';
const ALL_SCOPES = 'openid profile email phone address';

describeEachEngine('single sign-on', (engine) => {
  let hub: ListeningHub;
  let vneid: UpstreamIdp;
  let mobileId: UpstreamIdp;
  let portal: oidc.Configuration;
  let redirectUri: string;
  let loggedOutUri: string;

  beforeAll(async () => {
    const [hubPort, vneidPort, mobilePort, closedPort, portalPort] = await Promise.all([findFreePort(), findFreePort(), findFreePort(), findFreePort(), findFreePort()]);
    const hubUrl = `http://127.0.0.1:${hubPort}`;
    redirectUri = `http://127.0.0.1:${portalPort}/portal/callback`;
    loggedOutUri = `http://127.0.0.1:${portalPort}/portal/logged-out`;
    vneid = await startUpstreamIdp({ hubCallbackUrl: `${hubUrl}/sso/callback/vneid`, port: vneidPort });
    mobileId = await startUpstreamIdp({ hubCallbackUrl: `${hubUrl}/sso/callback/mobile-id`, port: mobilePort });
    const upstreamSettings = (upstream: UpstreamIdp, acr: string[]) => ({ issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, scopes: 'openid profile email', acr });
    const parties: PartyDeclaration[] = [
      ...TEST_PARTIES.filter((p) => p.code !== 'dvcqg'),
      {
        code: 'dvcqg',
        name: 'Cổng Dịch vụ công Quốc gia',
        kind: 'PORTAL',
        jurisdiction: ['*'],
        scopes: ['dossiers:read'],
        clients: [
          { clientId: 'portal', clientSecret: SECRETS.portal },
          { clientId: 'portal-sso', clientSecret: PORTAL_SECRET, redirectUris: [redirectUri], postLogoutRedirectUris: [loggedOutUri] },
        ],
      },
      { code: 'vneid', name: 'VNeID', kind: 'IDENTITY_PROVIDER', provider: 'oidc', settings: upstreamSettings(vneid, ['LoA2', 'LoA3']) },
      { code: 'mobile-id', name: 'Mobile ID', kind: 'IDENTITY_PROVIDER', provider: 'oidc', settings: upstreamSettings(mobileId, ['LoA2']) },
      { code: 'down-idp', name: 'Provider that is down', kind: 'IDENTITY_PROVIDER', provider: 'oidc', settings: { issuer: `http://127.0.0.1:${closedPort}`, clientId: 'x', clientSecret: 'down-secret-0123456789', acr: ['LoA1'], timeoutSeconds: 2 } },
    ];
    hub = await startListeningHub(engine, hubPort, parties);
    portal = await oidc.discovery(new URL(hub.url), 'portal-sso', PORTAL_SECRET, oidc.ClientSecretBasic(PORTAL_SECRET), { execute: [oidc.allowInsecureRequests] });
  });

  afterAll(async () => {
    await hub?.close();
    await vneid?.close();
    await mobileId?.close();
  });

  beforeEach(() => {
    vneid.fault = 'none';
    vneid.nextCitizen = { subject: 'vneid-0001', claims: { name: 'Bùi Thị Lan', id_number: '001190099999', birthdate: '1990-05-17', email: 'lan@example.vn' }, acr: 'LoA2' };
  });

  interface Started {
    browser: TestBrowser;
    verifier: string;
    state: string;
    nonce: string;
    /** Where the browser stopped: the chooser page, or a redirect to the portal. */
    stop: Awaited<ReturnType<TestBrowser['follow']>>;
  }

  /** The portal sends the browser to the hub; it stops at the chooser or back at the portal. */
  async function startLogin(options: { browser?: TestBrowser; parameters?: Record<string, string>; configuration?: oidc.Configuration } = {}): Promise<Started> {
    const browser = options.browser ?? new TestBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(options.configuration ?? portal, {
      redirect_uri: redirectUri,
      scope: ALL_SCOPES,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...options.parameters,
    });
    return { browser, verifier, state, nonce, stop: await browser.follow(url, redirectUri) };
  }

  /** From the chooser, through the identity provider, back to the portal's redirect URI. */
  async function chooseProvider(started: Started, idp: string): Promise<URL> {
    expect(started.stop.status).toBe(200);
    const { action, fields } = chooserForm(started.stop.body, idp);
    const back = await started.browser.follow(new URL(action, hub.url), redirectUri, { form: fields });
    if (!back.location?.href.startsWith(redirectUri)) throw new Error(`the login did not come back to the portal: ${back.status} ${back.url.href}\n${back.body}`);
    return back.location;
  }

  async function logIn(idp = 'vneid', parameters: Record<string, string> = {}) {
    const started = await startLogin({ parameters });
    const callback = await chooseProvider(started, idp);
    const tokens = await oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    return { started, callback, tokens };
  }

  const userinfo = (accessToken: string, path = '/oidc/userinfo') => request(`${hub.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('logs a citizen in through the upstream provider and gives the portal the contract’s claims', async () => {
    const started = await startLogin();
    expect(started.stop.headers['content-security-policy']).toContain("default-src 'none'");
    expect(started.stop.body).toContain('<html lang="vi">');
    expect(started.stop.body).toContain('Đăng nhập bằng VNeID');
    expect(started.stop.body).toContain('Cổng Dịch vụ công Quốc gia');
    const callback = await chooseProvider(started, 'vneid');
    const tokens = await oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });

    const idToken = tokens.claims()!;
    expect(idToken).toMatchObject({ iss: hub.url, aud: 'portal-sso', acr: 'LoA2', nonce: started.nonce });
    const claims = await oidc.fetchUserInfo(portal, tokens.access_token, idToken.sub);
    expect(claims).toEqual({
      sub: idToken.sub,
      tech_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      account_type: 'CITIZEN',
      acr: 'LoA2',
      id_number: '001190099999',
      name: 'Bùi Thị Lan',
      birthdate: '1990-05-17',
      email: 'lan@example.vn',
    });
    // The hub asked the upstream provider for a code flow with PKCE S256, state and nonce, at its own redirect URI.
    const upstreamRequest = vneid.authorizationRequests.at(-1)!;
    expect(upstreamRequest.get('code_challenge_method')).toBe('S256');
    expect(upstreamRequest.get('nonce')).toBeTruthy();
    expect(upstreamRequest.get('state')).toBeTruthy();
    expect(upstreamRequest.get('redirect_uri')).toBe(`${hub.url}/sso/callback/vneid`);
  });

  it('skips the chooser with idp_hint and keeps the same subject for the same upstream account', async () => {
    const first = await logIn();
    const hinted = await startLogin({ parameters: { idp_hint: 'vneid' } });
    expect(hinted.stop.location?.href.startsWith(redirectUri)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(portal, hinted.stop.location!, { pkceCodeVerifier: hinted.verifier, expectedState: hinted.state, expectedNonce: hinted.nonce });
    expect(tokens.claims()!.sub).toBe(first.tokens.claims()!.sub);
  });

  it('links a login through another provider to the same account by identity number', async () => {
    const viaVneid = await logIn();
    mobileId.nextCitizen = { subject: 'mobile-778', claims: { name: 'BUI THI LAN', id_number: '001190099999', gender: 'female' }, acr: 'LoA2' };
    const viaMobile = await logIn('mobile-id');
    expect(viaMobile.tokens.claims()!.sub).toBe(viaVneid.tokens.claims()!.sub);
    const claims = await oidc.fetchUserInfo(portal, viaMobile.tokens.access_token, viaMobile.tokens.claims()!.sub);
    // The newest name wins; a claim this provider did not give keeps the earlier one.
    expect(claims).toMatchObject({ name: 'BUI THI LAN', gender: 'female', birthdate: '1990-05-17' });
    mobileId.nextCitizen = { subject: 'mobile-779', claims: { name: 'Trần Văn Hùng', id_number: '079085001234' }, acr: 'LoA2' };
    const someoneElse = await logIn('mobile-id');
    expect(someoneElse.tokens.claims()!.sub).not.toBe(viaVneid.tokens.claims()!.sub);
  });

  it('shows the chooser in English on ?lang=en and for an English-speaking browser', async () => {
    const started = await startLogin({ browser: new TestBrowser('en-GB,en;q=0.9') });
    expect(started.stop.body).toContain('<html lang="en">');
    expect(started.stop.body).toContain('Sign in with VNeID');
    const switched = await started.browser.visit(new URL(`${started.stop.url.pathname}?lang=vi`, hub.url));
    expect(switched.body).toContain('<html lang="vi">');
  });

  it('refuses an authorization request without PKCE at /oidc/auth', async () => {
    const browser = new TestBrowser();
    const url = oidc.buildAuthorizationUrl(portal, { redirect_uri: redirectUri, scope: 'openid', state: 'state-1', nonce: 'nonce-1' });
    const answer = await browser.follow(url, redirectUri);
    expect(answer.location?.searchParams.get('error')).toBe('invalid_request');
    expect(answer.location?.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(answer.location?.searchParams.get('state')).toBe('state-1');
  });

  it('refuses a code exchanged with the wrong PKCE verifier, or none', async () => {
    const started = await startLogin();
    const callback = await chooseProvider(started, 'vneid');
    await expect(oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: started.state })).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await startLogin({ browser: started.browser });
    const secondCallback = again.stop.location!;
    const code = secondCallback.searchParams.get('code')!;
    const withoutVerifier = await request(`${hub.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`portal-sso:${PORTAL_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
    });
    expect(withoutVerifier.statusCode).toBe(400);
    expect(await withoutVerifier.body.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('never redirects to a redirect URI that is not registered', async () => {
    const browser = new TestBrowser();
    for (const uri of ['https://evil.example/cb', `${redirectUri}/../elsewhere`, `${redirectUri}?x=1`]) {
      const url = oidc.buildAuthorizationUrl(portal, { redirect_uri: uri, scope: 'openid', state: 's', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const answer = await browser.visit(url);
      expect({ uri, status: answer.status, location: answer.location }).toEqual({ uri, status: 400, location: undefined });
      expect(answer.body).toContain('redirect_uri');
    }
  });

  it('refuses a reused authorization code and revokes the tokens issued from it', async () => {
    const { callback, started, tokens } = await logIn();
    expect((await userinfo(tokens.access_token)).statusCode).toBe(200);
    await expect(oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await userinfo(tokens.access_token)).statusCode).toBe(401);
    await expect(oidc.refreshTokenGrant(portal, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses an expired authorization code', async () => {
    const started = await startLogin();
    const callback = await chooseProvider(started, 'vneid');
    await sql`UPDATE sso_payloads SET expires_at = now() - interval '1 second', payload = jsonb_set(payload, '{exp}', to_jsonb(extract(epoch FROM now())::bigint - 1))
              WHERE model = 'AuthorizationCode' AND consumed_at IS NULL`.execute(hub.database.db);
    await expect(oidc.authorizationCodeGrant(portal, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a wrong client secret', async () => {
    const started = await startLogin();
    const callback = await chooseProvider(started, 'vneid');
    const impostor = await oidc.discovery(new URL(hub.url), 'portal-sso', 'not-the-secret-0123456789', oidc.ClientSecretBasic('not-the-secret-0123456789'), { execute: [oidc.allowInsecureRequests] });
    const refusal = await oidc.authorizationCodeGrant(impostor, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect((refusal as oidc.WWWAuthenticateChallengeError).status).toBe(401);
    expect((refusal as oidc.WWWAuthenticateChallengeError).cause[0]).toMatchObject({ scheme: 'basic', parameters: { error: 'invalid_client' } });
  });

  it('refuses a callback whose state was tampered with, one from another browser, and a replayed one', async () => {
    const started = await startLogin();
    const { action, fields } = chooserForm(started.stop.body, 'vneid');
    const atHub = await started.browser.follow(new URL(action, hub.url), `${hub.url}/sso/callback/`, { form: fields });
    const callback = atHub.location!;
    expect(callback.pathname).toBe('/sso/callback/vneid');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xy`);
    const refused = await started.browser.visit(tampered);
    expect(refused.status).toBe(400);
    expect(refused.location).toBeUndefined();
    // Nor may another browser finish this login with the genuine callback (login CSRF).
    const elsewhere = await new TestBrowser().visit(callback);
    expect(elsewhere.status).toBe(400);
    // The genuine callback still finishes the login; replaying it afterwards is refused.
    const finished = await started.browser.follow(callback, redirectUri);
    expect(finished.location?.searchParams.get('code')).toBeTruthy();
    const replayed = await started.browser.visit(callback);
    expect(replayed.status).toBe(400);
  });

  it('refuses an upstream ID token that replays an earlier login’s nonce', async () => {
    await logIn();
    vneid.fault = 'replayed-id-token';
    const started = await startLogin();
    const back = await chooseProvider(started, 'vneid');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(started.state);
  });

  it('refuses an upstream ID token whose signature does not verify', async () => {
    vneid.fault = 'bad-signature';
    const back = await chooseProvider(await startLogin(), 'vneid');
    expect(back.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses an upstream ID token issued for another audience', async () => {
    vneid.fault = 'wrong-audience';
    const back = await chooseProvider(await startLogin(), 'vneid');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toMatch(/vneid/);
  });

  it('tells the portal when the upstream provider does not answer', async () => {
    const back = await chooseProvider(await startLogin(), 'down-idp');
    expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
  });

  it('offers only providers that can reach the requested assurance level, and refuses a login below it', async () => {
    const chooser = await startLogin({ parameters: { acr_values: 'LoA3' } });
    expect(chooser.stop.body).toContain('value="vneid"');
    expect(chooser.stop.body).not.toContain('value="mobile-id"');
    // VNeID can reach LoA3 but this login only reached LoA2.
    const refused = await chooseProvider(chooser, 'vneid');
    expect(refused.searchParams.get('error')).toBe('unmet_authentication_requirements');
    vneid.nextCitizen = { ...vneid.nextCitizen, acr: 'LoA3' };
    const { tokens } = await logIn('vneid', { acr_values: 'LoA3' });
    expect(tokens.claims()!.acr).toBe('LoA3');
    const nobody = await startLogin({ parameters: { acr_values: 'LoA4' } });
    expect(nobody.stop.location?.searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('rotates refresh tokens: a used one is refused', async () => {
    const { tokens } = await logIn();
    const refreshed = await oidc.refreshTokenGrant(portal, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await userinfo(refreshed.access_token)).statusCode).toBe(200);
    await expect(oidc.refreshTokenGrant(portal, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects and revokes the portal’s tokens', async () => {
    const { tokens } = await logIn();
    expect(await oidc.tokenIntrospection(portal, tokens.access_token)).toMatchObject({ active: true, client_id: 'portal-sso' });
    await oidc.tokenRevocation(portal, tokens.access_token);
    expect(await oidc.tokenIntrospection(portal, tokens.access_token)).toEqual({ active: false });
    expect((await userinfo(tokens.access_token)).statusCode).toBe(401);
  });

  it('ends the hub session on RP-initiated logout', async () => {
    const { started, tokens } = await logIn();
    const silent = await startLogin({ browser: started.browser, parameters: { prompt: 'none' } });
    expect(silent.stop.location?.searchParams.get('code')).toBeTruthy();
    const logout = oidc.buildEndSessionUrl(portal, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: loggedOutUri, state: 'bye' });
    const confirm = await started.browser.visit(logout);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Đăng xuất');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)![1]!;
    const done = await started.browser.follow(new URL('/oidc/session/end/confirm', hub.url), loggedOutUri, { form: { xsrf, logout: 'yes' } });
    expect(done.location?.href).toBe(`${loggedOutUri}?state=bye`);
    const afterLogout = await startLogin({ browser: started.browser, parameters: { prompt: 'none' } });
    expect(afterLogout.stop.location?.searchParams.get('error')).toBe('login_required');
  });

  it('serves portals written against the national SSO at /oauth2/*, with the portal’s claim names', async () => {
    vneid.nextCitizen = { subject: 'vneid-0042', claims: { name: 'Lê Văn Nam', id_number: '001088004242', birthdate: '1988-12-01', email: 'nam@example.vn' }, acr: 'LoA2' };
    const browser = new TestBrowser();
    // Such a portal sends no PKCE and asks only for scope=openid.
    const authorize = new URL('/oauth2/authorize', hub.url);
    authorize.search = new URLSearchParams({ response_type: 'code', client_id: 'portal-sso', redirect_uri: redirectUri, scope: 'openid', state: 'legacy', acr_values: 'LoA2' }).toString();
    const chooser = await browser.follow(authorize, redirectUri);
    const { action, fields } = chooserForm(chooser.body, 'vneid');
    const back = await browser.follow(new URL(action, hub.url), redirectUri, { form: fields });
    expect(back.location?.searchParams.get('state')).toBe('legacy');
    const token = await request(`${hub.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.location!.searchParams.get('code')!, redirect_uri: redirectUri, client_id: 'portal-sso', client_secret: PORTAL_SECRET }).toString(),
    });
    expect(token.statusCode).toBe(200);
    const { access_token: accessToken } = (await token.body.json()) as { access_token: string };
    const answer = await userinfo(accessToken, '/oauth2/userinfo');
    expect(answer.statusCode).toBe(200);
    expect(await answer.body.json()).toEqual({
      sub: expect.any(String),
      TechID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      LoaiTaiKhoan: 1,
      loAs: 'LoA2',
      SoDinhDanh: '001088004242',
      HoVaTen: 'Lê Văn Nam',
      NgayThangNamSinh: '01/12/1988',
      ThuDienTu: 'nam@example.vn',
    });
    expect((await userinfo('not-a-token', '/oauth2/userinfo')).statusCode).toBe(401);
  });
});
