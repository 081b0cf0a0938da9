/** OAuth endpoints answer errors the OAuth way (RFC 6749 §5.2), not as problem+json. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** Set when the client tried HTTP Basic: the answer then carries WWW-Authenticate. */
    readonly basicAuthAttempted = false,
  ) {
    super(description);
  }

  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}
