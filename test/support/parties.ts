import { generateKeyPairSync } from 'node:crypto';
import type { PartyDeclaration } from '../../src/parties/party';

/** Test parties: a province, a ministry, the portal, and a province client using private_key_jwt. */
export const SECRETS = {
  hanoi: 'hanoi-secret-0123456789',
  mof: 'mof-secret-0123456789',
  portal: 'portal-secret-0123456789',
} as const;

export const clientKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = { ...clientKeys.publicKey.export({ format: 'jwk' }), kid: 'hanoi-key-1', use: 'sig', alg: 'ES256' };

export const TEST_PARTIES: PartyDeclaration[] = [
  {
    code: '000.00.00.H26',
    name: 'Hà Nội one-stop system',
    kind: 'PROVINCE',
    jurisdiction: ['*.H26'],
    scopes: ['dossiers:write', 'dossiers:read', 'events:read'],
    clients: [
      { clientId: 'hanoi', clientSecret: SECRETS.hanoi },
      { clientId: 'hanoi-jwt', jwks: { keys: [publicJwk] } },
    ],
  },
  {
    code: '000.00.00.G12',
    name: 'Ministry of Finance one-stop system',
    kind: 'MINISTRY',
    jurisdiction: ['*.G12'],
    scopes: ['dossiers:write', 'dossiers:read', 'events:read'],
    clients: [{ clientId: 'mof', clientSecret: SECRETS.mof }],
  },
  {
    code: 'dvcqg',
    name: 'National portal',
    kind: 'PORTAL',
    jurisdiction: ['*'],
    scopes: ['dossiers:read', 'events:read'],
    clients: [{ clientId: 'portal', clientSecret: SECRETS.portal }],
  },
];
