import type { Jurisdiction } from './jurisdiction';

export const SCOPES = ['dossiers:write', 'dossiers:read', 'payments:write', 'payments:read', 'events:read', 'reports:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type PartyKind = 'MINISTRY' | 'PROVINCE' | 'PORTAL' | 'PAYMENT_PROVIDER' | 'IDENTITY_PROVIDER';

export interface ClientDeclaration {
  clientId: string;
  clientSecret?: string;
  clientSecretHash?: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
}

/** A party exactly as the parties file declares it. */
export interface PartyDeclaration {
  code: string;
  name: string;
  kind: PartyKind;
  jurisdiction?: string[];
  scopes?: Scope[];
  clients?: ClientDeclaration[];
  notifyUrl?: string;
  webhookSecret?: string;
  provider?: string;
  settings?: Record<string, unknown>;
  paymentPlatform?: { partnerCode: string; secret: string; confirmUrl: string };
  /** The national portal's integration endpoint the hub syncs every dossier to (a PORTAL party; one at most). */
  portalSync?: { baseUrl: string; username: string; password: string; agencyCode: string; dstcode?: string };
  /** How online submissions reach this party: pushed through a one-stop adapter, or held in its inbox (default). */
  submissions?: { delivery: 'PUSH' | 'PULL'; url?: string; adapter?: string; authorization?: string };
  rateLimit?: { max: number; windowMs?: number };
}

/** A connected system, as the rest of the hub sees it. */
export interface Party {
  readonly code: string;
  readonly name: string;
  readonly kind: PartyKind;
  readonly jurisdiction: Jurisdiction;
  readonly scopes: ReadonlySet<Scope>;
  readonly declaration: PartyDeclaration;
}
