import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { type Adapter, type ClientMetadata, type Configuration, type KoaContextWithOIDC, Provider, interactionPolicy } from 'oidc-provider';
import type { SsoAccount } from './accounts';
import { meetsAny, requestedLevels } from './assurance';
import type { SsoKeys } from './keys';
import { chooseLocale } from './messages';
import { errorPage, loggedOutPage, logoutPage, PAGE_CSP } from './pages';

/**
 * The OpenID provider (panva's oidc-provider, certified): discovery, authorization code
 * flow with PKCE, token, userinfo, introspection, revocation, refresh-token rotation and
 * RP-initiated logout, all the library's own. This file only configures it: where it
 * stores, which clients and keys, which claims, and how a login happens (the hub's
 * chooser page and an upstream identity provider; see sso.routes.ts).
 */
export const SSO_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/userinfo',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  introspection: '/oidc/token/introspection',
  revocation: '/oidc/token/revocation',
} as const;

/** Requests that came in through the national portal's own paths (/oauth2/*): see pkce below. */
export const PORTAL_COMPATIBLE = Symbol('portal-compatible request');
export type PortalCompatibleRequest = IncomingMessage & { [PORTAL_COMPATIBLE]?: true };

/** Which contract claims each scope releases (api-contract.md, Single sign-on). */
const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'tech_id', 'account_type', 'acr'],
  profile: ['name', 'birthdate', 'gender', 'id_number'],
  email: ['email'],
  phone: ['phone_number'],
  address: ['address'],
};
export const ALL_CLAIM_SCOPES = Object.keys(CLAIMS_BY_SCOPE).join(' ');

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface SsoProviderOptions {
  publicUrl: string;
  adapter: (model: string) => Adapter;
  keys: SsoKeys;
  clients: ClientMetadata[];
  /** Every assurance level some identity provider can reach (published as acr_values_supported). */
  acrValues: string[];
  accessTokenTtlSeconds: number;
  findAccount(sub: string): Promise<SsoAccount | undefined>;
  log: FastifyBaseLogger;
}

function localeOf(ctx: KoaContextWithOIDC) {
  return chooseLocale(ctx.query.lang, ctx.get('accept-language'));
}

export function accountClaims(account: SsoAccount): { sub: string } & Record<string, unknown> {
  const { claims } = account;
  return {
    sub: account.sub,
    tech_id: account.techId,
    account_type: account.accountType,
    id_number: account.idNumber ?? undefined,
    name: claims.name,
    birthdate: claims.birthdate,
    gender: claims.gender,
    email: claims.email,
    phone_number: claims.phone_number,
    address: claims.address === undefined ? undefined : { formatted: claims.address },
  };
}

/**
 * The login prompt also fires when the session's level does not meet the request's
 * acr_values (a portal asking for more than the citizen logged in with elsewhere).
 */
function loginPolicy() {
  const policy = interactionPolicy.base();
  // Portals are the state's own services, registered by the operator: no consent screen.
  policy.remove('consent');
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_not_met', 'the session’s assurance level does not meet acr_values', (ctx) =>
      ctx.oidc.session?.accountId && !meetsAny(ctx.oidc.session.acr, requestedLevels(ctx.oidc.params?.acr_values))
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}

export function createSsoProvider(options: SsoProviderOptions): Provider {
  const configuration: Configuration = {
    adapter: options.adapter as never,
    clients: options.clients,
    jwks: { keys: options.keys.signing as never },
    cookies: {
      keys: options.keys.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    routes: SSO_ROUTES,
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'address'],
    claims: { ...CLAIMS_BY_SCOPE, auth_time: null, sid: null },
    acrValues: options.acrValues,
    extraParams: ['idp_hint'],
    // client_secret_post too: portals written against the national SSO may send their secret in the form.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    clientDefaults: { id_token_signed_response_alg: 'RS256', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'], clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'] },
    // Every request names its redirect_uri, compared whole against the registered ones.
    allowOmittingSingleRegisteredRedirectUri: false,
    // PKCE S256 on every authorization request, except those arriving at the national portal's
    // own /oauth2/authorize: portals written against it send none, and must keep working by
    // changing a base URL. Those are confidential clients, authenticated at the token endpoint.
    pkce: { required: (ctx) => !(ctx.req as PortalCompatibleRequest)[PORTAL_COMPATIBLE] },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: MINUTE,
      IdToken: HOUR,
      Interaction: 10 * MINUTE,
      Session: 8 * HOUR,
      Grant: 14 * DAY,
      RefreshToken: 14 * DAY,
    },
    // Every code exchange gets a refresh token; every use of it gets a new one (the old one is consumed).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    conformIdTokenClaims: true,
    clientBasedCORS: () => false,
    interactions: { url: async (_ctx, interaction) => `/sso/login/${interaction.uid}`, policy: loginPolicy() },
    // No consent screen: the grant covers what the portal asked for (the scopes the provider knows).
    async loadExistingGrant(ctx) {
      const { Grant } = ctx.oidc.provider;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      const grant = (grantId ? await Grant.find(grantId) : undefined) ?? new Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
    // The access token carries the login's level, so that userinfo can state it too (the contract's acr claim).
    extraTokenClaims: async (ctx, token) => (token.kind === 'AccessToken' ? { acr: (ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken)?.acr } : undefined),
    async findAccount(_ctx, sub, token) {
      const account = await options.findAccount(sub);
      const acr = (token as { acr?: string } | undefined)?.acr ?? ((token as { extra?: { acr?: string } } | undefined)?.extra?.acr);
      return account && { accountId: account.sub, claims: () => ({ ...accountClaims(account), acr }) };
    },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      introspection: {
        enabled: true,
        // A portal may introspect only its own tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.set('content-security-policy', PAGE_CSP);
          ctx.type = 'html';
          ctx.body = logoutPage(localeOf(ctx), ctx.oidc.client?.clientName ?? '', form);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.set('content-security-policy', PAGE_CSP);
          ctx.type = 'html';
          ctx.body = loggedOutPage(localeOf(ctx));
        },
      },
    },
    discovery: { ui_locales_supported: ['vi', 'en'] },
    async renderError(ctx, out) {
      ctx.set('content-security-policy', PAGE_CSP);
      ctx.type = 'html';
      ctx.body = errorPage(localeOf(ctx), `${out.error}: ${out.error_description ?? ''}`);
    },
  };
  const provider = new Provider(options.publicUrl, configuration);
  // The hub hands each request over with the public host and scheme (sso.routes.ts), so URLs follow PUBLIC_URL.
  provider.proxy = true;
  provider.on('server_error', (_ctx, error) => options.log.error({ err: error }, 'single sign-on: the OpenID provider failed'));
  const events: EventEmitter = provider;
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'introspection.error', 'revocation.error', 'end_session.error']) {
    events.on(event, (_ctx: unknown, error: { error?: string; error_description?: string }) =>
      options.log.info({ event, error: error.error, detail: error.error_description }, 'single sign-on: request refused'),
    );
  }
  return provider;
}

