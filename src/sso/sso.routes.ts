import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import inject from 'light-my-request';
import { DEMO_LOGIN_PATH } from '../../adapters/identity/demo/demo-identity-provider';
import { type IdentityProvider, IdentityProviderError } from '../../adapters/identity/identity-provider';
import { constantTimeEqual } from '../parties/secrets';
import { AccountReader, linkAccount } from './accounts';
import { achievedLevel, canMeet, meetsAny, requestedLevels } from './assurance';
import { ssoClients } from './clients';
import { callbackPath, identityProvidersOf } from './identity-providers';
import { loadOrCreateSsoKeys, publishedSsoKeys } from './keys';
import { type Locale, chooseLocale } from './messages';
import { PAGE_CSP, STYLESHEET, STYLESHEET_PATH, chooserPage, demoLoginPage, errorPage } from './pages';
import { SsoPayloadStore } from './payload-store';
import { UpstreamHttpClient } from './upstream-http';
import { type ContractUserinfo, portalUserinfo } from './portal-claims';
import { ALL_CLAIM_SCOPES, PORTAL_COMPATIBLE, type PortalCompatibleRequest, SSO_ROUTES, createSsoProvider } from './provider';

/** How long a citizen may take at the upstream provider. */
const UPSTREAM_LOGIN_TTL_SECONDS = 10 * 60;
/** The browser-binding cookie of upstream logins: the states this browser started, newest first. */
const LOGIN_COOKIE = 'sso_login';
const LOGIN_COOKIE_MAX_STATES = 4;

/** Query strings here carry codes, states and id_token_hints: logs and the message log keep the path only. */
const SSO_ROUTE_CONFIG = { logQuery: false } as const;

/** The provider's endpoints, each answered by oidc-provider itself (methods per path). */
const PROVIDER_PATHS: [string, ('GET' | 'POST')[], string][] = [
  ['/.well-known/openid-configuration', ['GET'], 'OpenID Provider discovery document'],
  [SSO_ROUTES.authorization, ['GET', 'POST'], 'Authorization endpoint (code flow, PKCE S256 required)'],
  [`${SSO_ROUTES.authorization}/:uid`, ['GET', 'POST'], 'Where a finished login resumes the authorization request'],
  [SSO_ROUTES.token, ['POST'], 'Token endpoint: authorization_code and refresh_token grants; client_secret_basic or private_key_jwt'],
  [SSO_ROUTES.userinfo, ['GET', 'POST'], 'UserInfo endpoint: the contract’s claims for the scopes granted'],
  [SSO_ROUTES.introspection, ['POST'], 'Token introspection (RFC 7662), for the client’s own tokens'],
  [SSO_ROUTES.revocation, ['POST'], 'Token revocation (RFC 7009)'],
  [SSO_ROUTES.end_session, ['GET', 'POST'], 'RP-initiated logout: ends the hub session'],
  [`${SSO_ROUTES.end_session}/confirm`, ['POST'], 'Logout confirmation (the logout page’s form)'],
  [`${SSO_ROUTES.end_session}/success`, ['GET'], 'After logout, when the portal named no post_logout_redirect_uri'],
];

/** What to log of an upstream failure: messages only; the errors' own fields can hold ID token claims (personal data). */
function reasonOf(error: IdentityProviderError): string {
  return error.cause instanceof Error ? `${error.description} (${error.cause.message})` : error.description;
}

function statesIn(cookieHeader: string | undefined): string[] {
  const entry = (cookieHeader ?? '').split(';').map((part) => part.trim()).find((part) => part.startsWith(`${LOGIN_COOKIE}=`));
  return entry ? entry.slice(LOGIN_COOKIE.length + 1).split('.').filter(Boolean) : [];
}

/**
 * Single sign-on: the OpenID provider's endpoints (handed to oidc-provider untouched), the
 * login chooser, the callbacks from upstream identity providers, and the national portal's
 * own SSO paths.
 */
export default async function ssoRoutes(app: FastifyInstance): Promise<void> {
  const { config, db, parties } = app.hub;
  const publicUrl = new URL(config.publicUrl);
  const secureCookies = publicUrl.protocol === 'https:';
  const store = new SsoPayloadStore(db);
  const upstreamHttp = new UpstreamHttpClient();
  app.addHook('onClose', () => upstreamHttp.close());
  const identityProviders = identityProvidersOf(parties, config.publicUrl, upstreamHttp.call);
  const clients = ssoClients(parties);
  const accounts = new AccountReader(db);
  const provider = createSsoProvider({
    publicUrl: config.publicUrl,
    adapter: store.adapterFactory,
    keys: await loadOrCreateSsoKeys(db),
    clients,
    acrValues: [...new Set([...identityProviders.values()].flatMap((p) => p.acrLevels))],
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    findAccount: (sub) => accounts.find(sub),
    log: app.log,
  });
  // The provider checks a client's metadata when it first meets the client: meet them all now, so a bad one stops the boot.
  for (const client of clients) {
    await provider.Client.find(client.client_id).catch((error: Error & { error_description?: string }) => {
      throw new Error(`single sign-on client ${client.client_id}: ${error.error_description ?? error.message}`);
    });
  }
  const providerCallback = provider.callback();

  /** The provider sees the public scheme and host, so the URLs it builds are PUBLIC_URL's. */
  const dispatch = (raw: IncomingMessage, response: ServerResponse) => {
    raw.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    raw.headers['x-forwarded-host'] = publicUrl.host;
    return providerCallback(raw, response);
  };

  const handOver = async (request: FastifyRequest, reply: FastifyReply, url?: string) => {
    reply.hijack();
    reply.raw.setHeader('x-request-id', request.id);
    // What the hub decided the client address is (TRUST_PROXY), not whatever a client wrote.
    request.raw.headers['x-forwarded-for'] = request.ip;
    if (url !== undefined) request.raw.url = url;
    await dispatch(request.raw, reply.raw);
  };

  const sendPage = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);

  const localeOf = (request: FastifyRequest, uiLocales?: unknown): Locale =>
    chooseLocale((request.query as Record<string, unknown> | undefined)?.lang ?? (request.body as Record<string, unknown> | undefined)?.lang, request.headers['accept-language'], uiLocales);

  // The provider's own endpoints: it reads request bodies itself, so nothing here parses them.
  await app.register(async (oidcEndpoints) => {
    oidcEndpoints.removeAllContentTypeParsers();
    oidcEndpoints.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const [url, methods, summary] of PROVIDER_PATHS) {
      oidcEndpoints.route({ method: methods, url, schema: { summary, tags: ['sso'] }, config: SSO_ROUTE_CONFIG, handler: (request, reply) => handOver(request, reply) });
    }
    // The national portal's SSO paths (domain.md §6): the same provider, the portal's habits.
    oidcEndpoints.get('/oauth2/authorize', { schema: { summary: 'Authorization endpoint at the national portal’s path (PKCE optional, every claim scope)', tags: ['sso'] }, config: SSO_ROUTE_CONFIG }, (request, reply) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      // Portals written against the national SSO ask for scope=openid and read every claim from userinfo.
      query.set('scope', [...new Set([...(query.get('scope') ?? 'openid').split(' ').filter(Boolean), ...ALL_CLAIM_SCOPES.split(' ')])].join(' '));
      (request.raw as PortalCompatibleRequest)[PORTAL_COMPATIBLE] = true;
      return handOver(request, reply, `${SSO_ROUTES.authorization}?${query}`);
    });
    oidcEndpoints.post('/oauth2/token', { schema: { summary: 'Token endpoint at the national portal’s path', tags: ['sso'] }, config: SSO_ROUTE_CONFIG }, (request, reply) =>
      handOver(request, reply, SSO_ROUTES.token),
    );
  });

  app.get('/oauth2/userinfo', { schema: { summary: 'UserInfo with the national portal’s claim names (TechID, SoDinhDanh, HoVaTen, ...)', tags: ['sso'] }, config: SSO_ROUTE_CONFIG }, async (request, reply) => {
    const answer = await inject(dispatch, { method: 'GET', url: SSO_ROUTES.userinfo, headers: request.headers.authorization ? { authorization: request.headers.authorization } : {} });
    reply.header('cache-control', 'no-store');
    if (answer.statusCode !== 200) {
      const challenge = answer.headers['www-authenticate'];
      if (challenge) reply.header('www-authenticate', challenge);
      return reply.code(answer.statusCode).type('application/json').send(answer.body);
    }
    return portalUserinfo(answer.json() as ContractUserinfo);
  });

  // Every stored key, so keys rotated in by another node are published before they sign.
  app.get(SSO_ROUTES.jwks, { schema: { summary: 'The keys that verify the hub’s ID tokens (current and previous generation)', tags: ['sso'] }, config: { messageLog: false } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json');
    return { keys: await publishedSsoKeys(db) };
  });

  app.get(STYLESHEET_PATH, { schema: { hide: true }, config: { messageLog: false, rateLimit: false } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(STYLESHEET),
  );

  /** Ends the interaction with an OAuth error: the provider sends it to the portal's redirect URI. */
  async function refuseLogin(request: FastifyRequest, reply: FastifyReply, error: string, description: string) {
    reply.hijack();
    await provider.interactionFinished(request.raw, reply.raw, { error, error_description: description }, { mergeWithLastSubmission: false });
  }

  async function startUpstream(request: FastifyRequest, reply: FastifyReply, uid: string, identityProvider: IdentityProvider, requestedAcr: string[], locale: Locale) {
    const state = randomBytes(32).toString('base64url');
    let started;
    try {
      started = await identityProvider.start({ state, requestedAcr, locale });
    } catch (error) {
      if (!(error instanceof IdentityProviderError)) throw error;
      request.log.warn({ identityProvider: identityProvider.code, reason: reasonOf(error) }, 'single sign-on: an identity provider cannot start a login');
      return refuseLogin(request, reply, error.error, error.description);
    }
    await store.saveUpstreamLogin(state, { interactionUid: uid, providerCode: identityProvider.code, kept: started.kept, requestedAcr }, UPSTREAM_LOGIN_TTL_SECONDS);
    const states = [state, ...statesIn(request.headers.cookie)].slice(0, LOGIN_COOKIE_MAX_STATES);
    reply.header('set-cookie', `${LOGIN_COOKIE}=${states.join('.')}; Path=/sso/; Max-Age=${UPSTREAM_LOGIN_TTL_SECONDS}; HttpOnly; SameSite=Lax${secureCookies ? '; Secure' : ''}`);
    return reply.code(303).header('location', started.redirectUrl).header('cache-control', 'no-store').send();
  }

  async function loginStep(request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply, chosen: string | undefined) {
    let details;
    try {
      details = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      return sendPage(reply, 400, errorPage(localeOf(request), 'this sign-in has expired or was started in another browser'));
    }
    const locale = localeOf(request, details.params.ui_locales);
    if (details.uid !== request.params.uid) return sendPage(reply, 400, errorPage(locale, 'this sign-in belongs to another request'));
    const requestedAcr = requestedLevels(details.params.acr_values);
    const eligible = [...identityProviders.values()].filter((p) => canMeet(p.acrLevels, requestedAcr));
    if (!eligible.length) {
      return refuseLogin(request, reply, 'unmet_authentication_requirements', `no identity provider can reach ${requestedAcr.join(' or ') || 'a login'}`);
    }
    const wanted = chosen ?? (typeof details.params.idp_hint === 'string' ? details.params.idp_hint : undefined);
    const target = wanted === undefined ? undefined : identityProviders.get(wanted);
    if (target && !eligible.includes(target)) {
      return refuseLogin(request, reply, 'unmet_authentication_requirements', `identity provider ${target.code} cannot reach ${requestedAcr.join(' or ')}`);
    }
    if (target) return startUpstream(request, reply, details.uid, target, requestedAcr, locale);
    const client = typeof details.params.client_id === 'string' ? await provider.Client.find(details.params.client_id) : undefined;
    const other: Locale = locale === 'vi' ? 'en' : 'vi';
    return sendPage(
      reply,
      200,
      chooserPage({
        locale,
        portalName: client?.clientName ?? String(details.params.client_id),
        action: `/sso/login/${details.uid}`,
        providers: eligible.map((p) => ({ code: p.code, name: p.name, levels: p.acrLevels })),
        languageSwitch: `/sso/login/${details.uid}?lang=${other}`,
      }),
    );
  }

  const uidParams = { type: 'object', required: ['uid'], properties: { uid: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' } } };
  app.get<{ Params: { uid: string } }>(
    '/sso/login/:uid',
    {
      schema: { summary: 'The login page: the citizen chooses an identity provider (Vietnamese; ?lang=en for English)', tags: ['sso'], params: uidParams, querystring: { type: 'object', properties: { lang: { enum: ['vi', 'en'] } } } },
      config: SSO_ROUTE_CONFIG,
    },
    (request, reply) => loginStep(request, reply, undefined),
  );
  app.post<{ Params: { uid: string }; Body: { idp: string; lang?: string } }>(
    '/sso/login/:uid',
    {
      schema: {
        summary: 'The chosen identity provider: the citizen is sent there',
        tags: ['sso'],
        params: uidParams,
        consumes: ['application/x-www-form-urlencoded'],
        body: { type: 'object', required: ['idp'], properties: { idp: { type: 'string', minLength: 1, maxLength: 64 }, lang: { enum: ['vi', 'en'] } } },
      },
      config: SSO_ROUTE_CONFIG,
    },
    async (request, reply) => {
      if (!identityProviders.has(request.body.idp)) return sendPage(reply, 400, errorPage(localeOf(request), 'no such identity provider'));
      return loginStep(request, reply, request.body.idp);
    },
  );

  async function upstreamCallback(request: FastifyRequest<{ Params: { idp: string } }>, reply: FastifyReply) {
    const locale = localeOf(request);
    const identityProvider = identityProviders.get(request.params.idp);
    if (!identityProvider) return sendPage(reply, 404, errorPage(locale, 'no such identity provider'));
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const form = request.method === 'POST' && request.body && typeof request.body === 'object' ? (request.body as Record<string, string>) : {};
    const state = query.get('state') ?? (typeof form.state === 'string' ? form.state : undefined);
    // Only the browser that started this login may finish it (no login CSRF): it holds the state in its cookie.
    if (!state || !statesIn(request.headers.cookie).some((kept) => constantTimeEqual(kept, state))) {
      return sendPage(reply, 400, errorPage(locale, 'this sign-in was not started in this browser, or its state was altered'));
    }
    const login = await store.takeUpstreamLogin(state);
    if (!login || login.providerCode !== identityProvider.code) return sendPage(reply, 400, errorPage(locale, 'this sign-in is unknown, expired or already finished'));
    const interaction = await provider.Interaction.find(login.interactionUid);
    if (!interaction) return sendPage(reply, 400, errorPage(locale, 'this sign-in has expired; start again from the portal'));
    const remaining = statesIn(request.headers.cookie).filter((kept) => kept !== state);
    reply.header('set-cookie', `${LOGIN_COOKIE}=${remaining.join('.')}; Path=/sso/; Max-Age=${remaining.length ? UPSTREAM_LOGIN_TTL_SECONDS : 0}; HttpOnly; SameSite=Lax${secureCookies ? '; Secure' : ''}`);

    const callbackUrl = new URL(`${config.publicUrl}${callbackPath(identityProvider.code)}`);
    callbackUrl.search = query.toString();
    try {
      const identity = await identityProvider.finish({ state, url: callbackUrl, form }, login.kept);
      const acr = achievedLevel(identityProvider.acrLevels, identity.acr);
      if (!meetsAny(acr, login.requestedAcr)) {
        interaction.result = { error: 'unmet_authentication_requirements', error_description: `the login reached ${acr ?? 'no level'}, the portal asked for ${login.requestedAcr.join(' or ')}` };
      } else {
        const account = await linkAccount(db, identityProvider.code, identity);
        accounts.remember(account);
        interaction.result = { login: { accountId: account.sub, acr, amr: ['ext'], remember: true } };
      }
    } catch (error) {
      if (!(error instanceof IdentityProviderError)) throw error;
      request.log.warn({ identityProvider: identityProvider.code, reason: reasonOf(error) }, 'single sign-on: an upstream login failed');
      interaction.result = { error: error.error, error_description: error.description };
    }
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    return reply.code(303).header('location', interaction.returnTo).header('cache-control', 'no-store').send();
  }

  const idpParams = { type: 'object', required: ['idp'], properties: { idp: { type: 'string', minLength: 1, maxLength: 64 } } };
  app.get<{ Params: { idp: string } }>(
    '/sso/callback/:idp',
    { schema: { summary: 'Where an upstream identity provider sends the citizen back (its redirect URI)', tags: ['sso'], params: idpParams }, config: SSO_ROUTE_CONFIG },
    upstreamCallback,
  );
  app.post<{ Params: { idp: string } }>(
    '/sso/callback/:idp',
    { schema: { summary: 'A form-posted return from an identity provider', tags: ['sso'], params: idpParams, consumes: ['application/x-www-form-urlencoded'] }, config: SSO_ROUTE_CONFIG },
    upstreamCallback,
  );

  if ([...parties.all()].some((p) => p.kind === 'IDENTITY_PROVIDER' && p.declaration.provider === 'demo')) {
    app.get<{ Querystring: { state: string; idp: string; lang?: Locale } }>(
      DEMO_LOGIN_PATH,
      {
        schema: {
          summary: 'DEMO ONLY (no PARTIES_FILE): the demo identity provider’s page',
          tags: ['sso'],
          querystring: { type: 'object', required: ['state', 'idp'], properties: { state: { type: 'string', maxLength: 100 }, idp: { type: 'string', maxLength: 64 }, lang: { enum: ['vi', 'en'] } } },
        },
        config: SSO_ROUTE_CONFIG,
      },
      async (request, reply) => {
        const { state, idp } = request.query;
        if (parties.party(idp)?.declaration.provider !== 'demo') return sendPage(reply, 404, errorPage(localeOf(request), 'no such demo identity provider'));
        const locale = localeOf(request);
        const other: Locale = locale === 'vi' ? 'en' : 'vi';
        const switchTo = `${DEMO_LOGIN_PATH}?${new URLSearchParams({ state, idp, lang: other })}`;
        return sendPage(reply, 200, demoLoginPage({ locale, action: callbackPath(idp), state, languageSwitch: switchTo }));
      },
    );
  }
}
