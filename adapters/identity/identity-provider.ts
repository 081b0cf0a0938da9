/**
 * An upstream identity provider (VNeID-style OIDC provider, government CA, ...), as the
 * hub's single sign-on sees it: it sends the citizen there and turns what comes back into
 * the contract's identity claims. Adapters are stateless translators: what must survive
 * between `start` and `finish` (PKCE verifier, nonce) they return in `kept`, and the hub stores it.
 */

/** The contract's identity claims (api-contract.md, Single sign-on), as far as the provider gave them. */
export interface IdentityClaims {
  id_number?: string;
  tech_id?: string;
  name?: string;
  birthdate?: string;
  gender?: string;
  email?: string;
  phone_number?: string;
  address?: string;
  account_type?: 'CITIZEN' | 'ENTERPRISE';
}

export interface UpstreamIdentity {
  /** The citizen's stable subject at this provider. */
  subject: string;
  claims: IdentityClaims;
  /** The assurance level the provider says it reached, if it said. */
  acr: string | undefined;
}

export interface LoginStart {
  /** Unguessable, single-use value the callback must carry back. */
  state: string;
  /** Assurance levels the portal accepts (acr_values), most preferred first; empty when it asked for none. */
  requestedAcr: readonly string[];
  locale: 'vi' | 'en';
}

export interface StartedLogin {
  redirectUrl: string;
  kept: Record<string, string>;
}

export interface LoginCallback {
  state: string;
  /** The callback URL as the citizen's browser requested it (public URL, with its query). */
  url: URL;
  /** A form-posted callback's fields (else empty). */
  form: Record<string, string>;
}

/** Why a login at the provider failed, as an OAuth error the hub hands on to the portal. */
export class IdentityProviderError extends Error {
  override name = 'IdentityProviderError';
  constructor(
    readonly error: 'access_denied' | 'temporarily_unavailable' | 'login_required',
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
  }
}

export interface IdentityProvider {
  readonly code: string;
  readonly name: string;
  /** The assurance levels this provider can reach (settings `acr`). */
  readonly acrLevels: readonly string[];
  /** Where the citizen manages their account, and where they log out, at the provider (kept from settings). */
  readonly profileUri: string | undefined;
  readonly logoutUri: string | undefined;
  start(login: LoginStart): Promise<StartedLogin>;
  finish(callback: LoginCallback, kept: Record<string, string>): Promise<UpstreamIdentity>;
}

export interface IdentityProviderParty {
  code: string;
  name: string;
  settings: Record<string, unknown>;
}

export interface IdentityProviderContext {
  /** `{PUBLIC_URL}/sso/callback/{code}`: the hub's redirect URI at this provider. */
  callbackUrl: string;
  publicUrl: string;
  /** The hub's HTTP client for calls to the provider (keep-alive, bounded answers). */
  http: UpstreamHttp;
}

/**
 * A call to an identity provider, fetch()'s shape: the answer is a standard Response. It
 * fails as fetch() does: a TypeError when no answer came, the signal's reason when aborted.
 */
export type UpstreamHttp = (url: string, call: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

export type IdentityProviderFactory = (party: IdentityProviderParty, context: IdentityProviderContext) => IdentityProvider;
