import { demoIdentityProvider } from './demo/demo-identity-provider';
import type { IdentityProviderFactory } from './identity-provider';
import { oidcIdentityProvider } from './oidc/oidc-identity-provider';

/** Every kind of upstream identity provider, by the party's `provider` value: one line each. */
export const identityProviderKinds: Readonly<Record<string, IdentityProviderFactory>> = {
  oidc: oidcIdentityProvider,
  demo: demoIdentityProvider,
};
