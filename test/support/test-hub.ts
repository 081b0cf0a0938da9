import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import type { DatabaseHandle, Engine } from '../../src/db/connect';
import type { PartyDeclaration } from '../../src/parties/party';
import type { WebhookTuning } from '../../src/webhooks/webhooks';
import { openTestDatabase } from './databases';
import { SECRETS, TEST_PARTIES } from './parties';

export interface TestHub {
  app: FastifyInstance;
  database: DatabaseHandle;
  config: Config;
  /** An access token of a test client (client_secret_basic). */
  token(clientId: keyof typeof SECRETS, scope?: string): Promise<string>;
  close(): Promise<void>;
}

/** The hub on a fresh database of `engine`, through `app.inject` (no port). */
export async function startTestHub(
  engine: Engine,
  options: { env?: Record<string, string>; parties?: PartyDeclaration[]; webhooks?: WebhookTuning; submissionsNow?: () => Date } = {},
): Promise<TestHub> {
  const config = loadConfig({ PUBLIC_URL: 'http://hub.test', RATE_LIMIT_MAX: '100000', ...options.env });
  const database = await openTestDatabase(engine);
  const app = await buildApp({ config, database, parties: options.parties ?? TEST_PARTIES, webhooks: options.webhooks, submissionsNow: options.submissionsNow, ...(process.env.TEST_LOG ? { logger: (await import('pino')).default({ level: process.env.TEST_LOG }) as never } : {}) });
  await app.ready();
  return {
    app,
    database,
    config,
    async token(clientId, scope) {
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${SECRETS[clientId]}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
      });
      if (response.statusCode !== 200) throw new Error(`token for ${clientId}: ${response.statusCode} ${response.body}`);
      return response.json().access_token as string;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export const dossierHeader = (agencyCode = '000.00.00.H26', overrides: Record<string, unknown> = {}) => ({
  agencyCode,
  procedureCode: '1.001193',
  procedureName: 'Thủ tục đăng ký khai sinh',
  channel: 'ONLINE',
  applicant: { type: 'CITIZEN', name: 'Bùi Thị Lan', idNumber: '001190099999' },
  receivedAt: '2026-11-24T08:30:15+07:00',
  dueAt: '2026-11-27T17:00:00+07:00',
  ...overrides,
});

/** Requests as one party: `const h26 = as(hub.app, token); await h26.put(url, body)`. */
export function as(app: FastifyInstance, token: string) {
  const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    get: (url: string, headers?: Record<string, string>) => send('GET', url, undefined, headers),
    put: (url: string, payload: unknown, headers?: Record<string, string>) => send('PUT', url, payload, headers),
    post: (url: string, payload: unknown, headers?: Record<string, string>) => send('POST', url, payload, headers),
  };
}

let counter = 0;
/** A dossier code no other test uses. */
export function newDossierCode(agencyCode = '000.00.00.H26'): string {
  counter += 1;
  return `${agencyCode}-261124-${String(counter).padStart(4, '0')}${process.pid % 1000}`;
}
