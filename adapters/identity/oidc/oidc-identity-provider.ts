import * as oidc from 'openid-client';
import { type ClaimMapping, mapUpstreamClaims } from '../claim-mapping';
import {
  type IdentityProvider,
  type IdentityProviderContext,
  IdentityProviderError,
  type IdentityProviderParty,
  type LoginCallback,
  type LoginStart,
  type StartedLogin,
  type UpstreamIdentity,
} from '../identity-provider';

/**
 * A generic OpenID Connect relying party, one per IDENTITY_PROVIDER party with
 * `"provider": "oidc"`. openid-client does the protocol: discovery from the issuer,
 * code flow with PKCE, state and nonce, and the ID token's checks (signature, issuer,
 * audience, expiry, nonce). This file only maps settings and claims.
 */
export interface OidcProviderSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes asked of the provider. */
  scopes?: string;
  /** Contract claim → upstream claim (defaults: claim-mapping.ts). */
  claims?: ClaimMapping;
  /** The assurance levels the provider can reach, e.g. ["LoA2"] or ["IAL2"]. */
  acr: string[];
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  profileUri?: string;
  logoutUri?: string;
  /** Seconds to wait for the provider before telling the portal it is unavailable. */
  timeoutSeconds?: number;
}

const DEFAULT_SCOPES = 'openid profile';
const DEFAULT_TIMEOUT_SECONDS = 10;

/** Plain http is allowed for a provider on this machine only (tests, a local sandbox). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export function oidcIdentityProvider(party: IdentityProviderParty, context: IdentityProviderContext): IdentityProvider {
  const settings = party.settings as unknown as OidcProviderSettings;
  const issuer = new URL(settings.issuer);
  let discovered: Promise<oidc.Configuration> | undefined;

  /** Discovery once, kept while it works; a failed one is tried again at the next login. */
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= (async () => {
      const clientAuth = settings.tokenEndpointAuthMethod === 'client_secret_post' ? oidc.ClientSecretPost(settings.clientSecret) : oidc.ClientSecretBasic(settings.clientSecret);
      const config = await oidc.discovery(issuer, settings.clientId, { client_secret: settings.clientSecret }, clientAuth, {
        timeout: settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
        execute: isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [],
        // Kept by the configuration: every later call to the provider goes through it too.
        // openid-client sends forms (token, revocation) or nothing; a stream would be a new use to wire.
        [oidc.customFetch]: async (url, { method, headers, body, signal }) => {
          if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof URLSearchParams)) throw new Error('the hub sends identity providers forms or strings, not streams or bytes');
          return context.http(url, { method, headers, body: body?.toString(), signal });
        },
      });
      // ID tokens from the token endpoint get their signature checked too, not only TLS trust.
      oidc.enableNonRepudiationChecks(config);
      return config;
    })();
    discovered.catch(() => (discovered = undefined));
    return discovered;
  };

  async function reachable(): Promise<oidc.Configuration> {
    try {
      return await configuration();
    } catch (error) {
      throw new IdentityProviderError('temporarily_unavailable', `identity provider ${party.code} cannot be reached (discovery at ${issuer.href} failed)`, { cause: error });
    }
  }

  return {
    code: party.code,
    name: party.name,
    acrLevels: settings.acr,
    profileUri: settings.profileUri,
    logoutUri: settings.logoutUri,

    async start(login: LoginStart): Promise<StartedLogin> {
      const config = await reachable();
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const parameters: Record<string, string> = {
        redirect_uri: context.callbackUrl,
        scope: settings.scopes ?? DEFAULT_SCOPES,
        state: login.state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        ui_locales: login.locale,
      };
      const levels = login.requestedAcr.filter((level) => settings.acr.includes(level));
      if (levels.length) parameters.acr_values = levels.join(' ');
      return { redirectUrl: oidc.buildAuthorizationUrl(config, parameters).href, kept: { verifier, nonce } };
    },

    async finish(callback: LoginCallback, kept: Record<string, string>): Promise<UpstreamIdentity> {
      const config = await reachable();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callback.url, {
          pkceCodeVerifier: kept.verifier,
          expectedNonce: kept.nonce,
          expectedState: callback.state,
          idTokenExpected: true,
        });
      } catch (error) {
        throw upstreamFailure(party.code, error);
      }
      const idToken = tokens.claims()!;
      let userinfo: Record<string, unknown> = {};
      if (config.serverMetadata().userinfo_endpoint) {
        try {
          userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
        } catch (error) {
          throw upstreamFailure(party.code, error);
        }
      }
      // The ID token is the signed statement: its claims win over userinfo's.
      const { claims, acr } = mapUpstreamClaims({ ...userinfo, ...idToken }, settings.claims);
      return { subject: idToken.sub, claims, acr };
    },
  };
}

function upstreamFailure(code: string, error: unknown): IdentityProviderError {
  if (error instanceof oidc.AuthorizationResponseError) {
    return new IdentityProviderError('access_denied', `identity provider ${code} refused the login: ${error.error}${error.error_description ? ` (${error.error_description})` : ''}`, { cause: error });
  }
  // fetch() failures (refused connection, timeout) are the provider being down, not the answer being wrong.
  const unreachable = error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
  if (unreachable) return new IdentityProviderError('temporarily_unavailable', `identity provider ${code} did not answer`, { cause: error });
  return new IdentityProviderError('access_denied', `identity provider ${code} answered with something the hub cannot accept: ${(error as Error).message}`, { cause: error });
}
