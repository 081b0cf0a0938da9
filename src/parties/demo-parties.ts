import fs from 'node:fs';
import path from 'node:path';
import type { PartyDeclaration } from './party';
import { newWebhookSecret } from '../webhooks/signature';
import { randomSecret } from './secrets';

/**
 * Without a PARTIES_FILE the hub runs with three demo parties (and the demo identity provider and sandbox bank), so that `npm start` on a
 * fresh machine can be tried at once. Their secrets are generated on first start and kept
 * in DATA_DIR/demo-credentials.json, so they survive restarts.
 */
export interface DemoCredentials {
  note: string;
  tokenUrl: string;
  clients: { partyCode: string; partyName: string; clientId: string; clientSecret: string; webhookSecret?: string; jurisdiction: string[]; scopes: string[] }[];
}

const DEMO_PARTIES: readonly Omit<PartyDeclaration, 'clients'>[] = [
  {
    code: '000.00.00.H26',
    name: 'Hà Nội one-stop system (demo)',
    kind: 'PROVINCE',
    jurisdiction: ['*.H26'],
    scopes: ['dossiers:write', 'dossiers:read', 'payments:write', 'payments:read', 'events:read', 'reports:read'],
  },
  {
    code: '000.00.00.G12',
    name: 'Ministry of Finance one-stop system (demo)',
    kind: 'MINISTRY',
    jurisdiction: ['*.G12'],
    scopes: ['dossiers:write', 'dossiers:read', 'payments:write', 'payments:read', 'events:read', 'reports:read'],
  },
  {
    code: 'dvcqg',
    name: 'National public-service portal (demo)',
    kind: 'PORTAL',
    jurisdiction: ['*'],
    scopes: ['dossiers:read', 'payments:read', 'events:read', 'reports:read'],
  },
];

const DEMO_CLIENT_IDS: Record<string, string> = { '000.00.00.H26': 'demo-hanoi', '000.00.00.G12': 'demo-mof', dvcqg: 'demo-portal' };

/** Where the demo portal's single sign-on returns: nothing listens there; the browser's address bar shows the code. */
export const DEMO_PORTAL_REDIRECT_URI = 'http://localhost:8080/callback';

/**
 * DEMO ONLY: the built-in demo identity provider (adapters/identity/demo), so that single
 * sign-on can be tried with no real identity provider. It believes whatever is typed, so it
 * exists only among the demo parties; a parties file cannot declare it.
 */
const DEMO_IDENTITY_PROVIDER: PartyDeclaration = { code: 'demo-idp', name: 'Demo identity provider (DEMO ONLY)', kind: 'IDENTITY_PROVIDER', provider: 'demo' };

/** DEMO ONLY: the sandbox bank served by the hub under /sandbox, so that a payment can be walked end to end. */
const DEMO_PAYMENT_PROVIDER: PartyDeclaration = { code: 'sandbox', name: 'Ngân hàng thử nghiệm (sandbox)', kind: 'PAYMENT_PROVIDER', provider: 'sandbox' };

export function demoParties(dataDir: string, publicUrl: string): { parties: PartyDeclaration[]; credentials: DemoCredentials; created: boolean } {
  const file = path.join(dataDir, 'demo-credentials.json');
  let stored: DemoCredentials | undefined;
  if (fs.existsSync(file)) {
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoCredentials;
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}); delete it to generate new demo credentials`);
    }
  }
  // A demo party missing from the stored file (one added since it was written) gets a new secret; the others keep theirs.
  const clients = DEMO_PARTIES.map((party) => {
    const kept = stored?.clients?.find((c) => c.partyCode === party.code);
    // Files written before payment notifications existed have no webhook secret: one is added.
    if (kept?.webhookSecret) return kept;
    return {
      partyCode: party.code,
      partyName: party.name,
      clientId: kept?.clientId ?? DEMO_CLIENT_IDS[party.code]!,
      clientSecret: kept?.clientSecret ?? randomSecret(),
      webhookSecret: newWebhookSecret(),
      jurisdiction: party.jurisdiction ?? [],
      scopes: party.scopes ?? [],
    };
  });
  const credentials: DemoCredentials = {
    note: 'Demo parties of the Liên Thông hub (no PARTIES_FILE set). For development only.',
    tokenUrl: `${publicUrl}/oauth/token`,
    clients,
  };
  if (clients.some((c) => !stored?.clients?.includes(c))) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  const parties: PartyDeclaration[] = DEMO_PARTIES.map((party, i) => ({
    ...party,
    clients: [{ clientId: clients[i]!.clientId, clientSecret: clients[i]!.clientSecret }],
    webhookSecret: clients[i]!.webhookSecret!,
  }));
  // The demo portal is also a single sign-on client.
  parties.find((p) => p.code === 'dvcqg')!.clients![0]!.redirectUris = [DEMO_PORTAL_REDIRECT_URI];
  parties.push(DEMO_IDENTITY_PROVIDER, DEMO_PAYMENT_PROVIDER);
  return { parties, credentials, created: stored === undefined };
}
