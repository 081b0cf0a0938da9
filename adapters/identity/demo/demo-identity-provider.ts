import { mapUpstreamClaims } from '../claim-mapping';
import { type IdentityProvider, type IdentityProviderContext, IdentityProviderError, type IdentityProviderParty } from '../identity-provider';

/**
 * DEMO ONLY. A stand-in identity provider for `npm start` without a PARTIES_FILE, where no
 * real one (VNeID, ...) is reachable: the citizen types a name and an identity number on a
 * page of the hub itself (DEMO_LOGIN_PATH) and is believed. It proves nothing about anyone,
 * so the parties file cannot declare it: only the built-in demo parties use it.
 */
export const DEMO_LOGIN_PATH = '/sso/demo-idp';
const DEMO_LEVEL = 'LoA2';

export function demoIdentityProvider(party: IdentityProviderParty, context: IdentityProviderContext): IdentityProvider {
  return {
    code: party.code,
    name: party.name,
    acrLevels: [DEMO_LEVEL],
    profileUri: undefined,
    logoutUri: undefined,

    async start(login) {
      const url = new URL(`${context.publicUrl}${DEMO_LOGIN_PATH}`);
      url.searchParams.set('state', login.state);
      url.searchParams.set('idp', party.code);
      url.searchParams.set('lang', login.locale);
      return { redirectUrl: url.href, kept: {} };
    },

    async finish(callback) {
      const { claims } = mapUpstreamClaims({ name: callback.form.name, id_number: callback.form.id_number, birthdate: callback.form.birthdate, account_type: 'CITIZEN' });
      if (!claims.name || !claims.id_number) throw new IdentityProviderError('access_denied', 'the demo login needs a name and a 12-digit identity number');
      return { subject: `demo-${claims.id_number}`, claims, acr: DEMO_LEVEL };
    },
  };
}
