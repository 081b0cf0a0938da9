import type { ClientMetadata } from 'oidc-provider';
import type { PartyRegistry } from '../parties/registry';

/** Party kinds whose clients may be portals: they log citizens in through the hub. */
const PORTAL_KINDS = new Set(['PORTAL', 'PROVINCE', 'MINISTRY']);

/**
 * The OpenID clients: every client of a portal, province or ministry party that declares
 * `redirectUris`. Redirect URIs match exactly (the provider compares whole strings). A
 * client authenticates with its clientSecret (client_secret_basic) or its keys
 * (private_key_jwt); a clientSecretHash cannot serve here, since the provider must compare
 * the secret itself (the parties file check refuses that combination).
 */
export function ssoClients(parties: PartyRegistry): ClientMetadata[] {
  return parties
    .all()
    .filter((party) => PORTAL_KINDS.has(party.kind))
    .flatMap((party) =>
      (party.declaration.clients ?? [])
        .filter((client) => client.redirectUris?.length)
        .map((client): ClientMetadata => {
          const keys = client.jwks ? { jwks: client.jwks as ClientMetadata['jwks'] } : client.jwksUri ? { jwks_uri: client.jwksUri } : undefined;
          return {
            client_id: client.clientId,
            client_name: party.name,
            redirect_uris: client.redirectUris!,
            post_logout_redirect_uris: client.postLogoutRedirectUris ?? [],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            ...(keys
              ? { token_endpoint_auth_method: 'private_key_jwt', ...keys }
              : { token_endpoint_auth_method: 'client_secret_basic', client_secret: client.clientSecret! }),
          };
        }),
    );
}
