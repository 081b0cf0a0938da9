import type { IdentityProvider, UpstreamHttp } from '../../adapters/identity/identity-provider';
import { identityProviderKinds } from '../../adapters/identity/registry';
import type { PartyRegistry } from '../parties/registry';

/** Callback path at the hub for an upstream provider: its redirect URI is `{PUBLIC_URL}` + this. */
export const callbackPath = (code: string) => `/sso/callback/${encodeURIComponent(code)}`;

/** One adapter per IDENTITY_PROVIDER party, in the parties' order (the chooser's order). */
export function identityProvidersOf(parties: PartyRegistry, publicUrl: string, http: UpstreamHttp): Map<string, IdentityProvider> {
  const providers = new Map<string, IdentityProvider>();
  for (const party of parties.all()) {
    if (party.kind !== 'IDENTITY_PROVIDER') continue;
    const kind = party.declaration.provider ?? '';
    const factory = identityProviderKinds[kind];
    if (!factory) throw new Error(`identity provider ${party.code}: unknown provider kind "${kind}" (known: ${Object.keys(identityProviderKinds).join(', ')})`);
    providers.set(party.code, factory({ code: party.code, name: party.name, settings: party.declaration.settings ?? {} }, { callbackUrl: `${publicUrl}${callbackPath(party.code)}`, publicUrl, http }));
  }
  return providers;
}
