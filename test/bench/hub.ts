import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, sampleMaxRss, startNodeServer, waitUntilReady, type Server } from './children';

/** The compiled hub, next to this file's own compiled location (dist/test/bench → dist/src). */
const HUB_SCRIPT = path.resolve(__dirname, '../../src/server.js');

const AGENCY_CODE = '000.00.00.H26';
export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-secret-0123456789';
/** Dossiers per preparation request (two events each, within the 1,000-event limit). */
const PREPARE_BATCH = 500;

/** Every hub of this run gets a directory in here; it goes when the bench exits, however it exits. */
const benchWorkDir = mkdtempSync(path.join(os.tmpdir(), 'lien-thong-bench-'));
process.once('exit', () => rmSync(benchWorkDir, { recursive: true, force: true }));

const HOUR_MS = 3_600_000;
const benchStartedAt = Date.now();

/** RFC 3339 in Vietnam time, as the contract's examples are written. */
function vietnamTime(epochMs: number): string {
  return new Date(epochMs + 7 * HOUR_MS).toISOString().replace(/\.\d{3}Z$/, '+07:00');
}

// All in the past, and in this order, so that no prepared or measured event is stale or in the future.
const RECEIVED_AT = vietnamTime(benchStartedAt - 3 * HOUR_MS);
const PREPARED_RECEIVED_AT = vietnamTime(benchStartedAt - 2.5 * HOUR_MS);
const PREPARED_PROCESSING_AT = vietnamTime(benchStartedAt - 2 * HOUR_MS);
/** Every measured event carries this same time: an equal time is not stale, so the hand-over repeats forever. */
export const LOAD_OCCURRED_AT = vietnamTime(benchStartedAt - HOUR_MS);

export interface HubRun<T> {
  value: T;
  maxRssMb: number;
}

function partiesFile(extraParties: readonly object[]): string {
  const party = {
    code: AGENCY_CODE,
    name: 'Benchmark province system',
    kind: 'PROVINCE',
    jurisdiction: ['*.H26'],
    scopes: ['dossiers:write', 'dossiers:read', 'events:read', 'payments:write', 'payments:read'],
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
  };
  return JSON.stringify({ parties: [party, ...extraParties] }, null, 2);
}

/**
 * Starts a hub with its own data directory, runs `use`, then stops it; reports the hub's peak memory.
 * Without a database URL the hub falls back to its embedded PGlite. `extraEnv` adds settings (KAFKA_BROKERS), `extraParties` parties (a payment provider).
 */
export async function withHub<T>(
  label: string,
  databaseUrl: string | undefined,
  use: (hub: Server) => Promise<T>,
  extraEnv: Record<string, string> = {},
  extraParties: readonly object[] = [],
): Promise<HubRun<T>> {
  if (!existsSync(HUB_SCRIPT)) throw new Error(`the hub is not built: ${HUB_SCRIPT} is missing (npm run build)`);
  const workDir = await mkdtemp(path.join(benchWorkDir, 'hub-'));
  const partiesPath = path.join(workDir, 'parties.json');
  await writeFile(partiesPath, partiesFile(extraParties));
  const env: Record<string, string> = {
    PARTIES_FILE: partiesPath,
    DATA_DIR: path.join(workDir, 'data'),
    // The load comes from one client; the per-party rate limit would otherwise be what gets measured.
    // 10 M per minute (the most the hub accepts) is far above anything this machine can send.
    RATE_LIMIT_MAX: '10000000',
    LOG_LEVEL: 'warn',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  };
  const hub = startNodeServer(label, HUB_SCRIPT, await findFreePort(), env);
  const rss = sampleMaxRss(hub.pid);
  let value: T;
  let maxRssMb: number;
  try {
    await waitUntilReady(hub, '/health/ready', (status) => status === 200);
    value = await use(hub);
  } finally {
    maxRssMb = rss.stop();
    await hub.stop();
  }
  return { value, maxRssMb };
}

async function expectStatus(response: Response, expected: readonly number[], what: string): Promise<unknown> {
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new Error(`${what} answered ${response.status}, expected ${expected.join(' or ')}: ${text.slice(0, 500)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

export async function fetchAccessToken(hub: Server): Promise<string> {
  const response = await fetch(`${hub.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await expectStatus(response, [200], 'POST /oauth/token')) as { access_token?: string };
  if (!body.access_token) throw new Error('POST /oauth/token answered without access_token');
  return body.access_token;
}

/** Codes shaped like the portal's own: {agency}-{yyMMdd}-{NNNN}. */
export function dossierCodes(count: number): string[] {
  const day = RECEIVED_AT.slice(2, 10).replaceAll('-', '');
  return Array.from({ length: count }, (_, i) => `${AGENCY_CODE}-${day}-${String(i + 1).padStart(4, '0')}`);
}

/** Creates each dossier and moves it to PROCESSING (through the batch endpoint), the state from which the measured hand-overs start. */
export async function prepareDossiers(hub: Server, token: string, codes: readonly string[]): Promise<void> {
  const header = { agencyCode: AGENCY_CODE, procedureCode: '1.001193', channel: 'ONLINE', applicant: { type: 'CITIZEN', name: 'Bench' }, receivedAt: RECEIVED_AT };
  for (let first = 0; first < codes.length; first += PREPARE_BATCH) {
    const events = codes.slice(first, first + PREPARE_BATCH).flatMap((dossierCode) => [
      { dossierCode, status: 'RECEIVED', occurredAt: PREPARED_RECEIVED_AT, dossier: header },
      { dossierCode, status: 'PROCESSING', occurredAt: PREPARED_PROCESSING_AT },
    ]);
    const response = await fetch(`${hub.baseUrl}/v1/dossier-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    const body = (await expectStatus(response, [200], 'POST /v1/dossier-events (preparation)')) as { results: { status: number; code?: string }[] };
    const refused = body.results.find((r) => r.status >= 300);
    if (refused) throw new Error(`preparing dossiers: an item was refused with ${refused.status} ${refused.code ?? ''}`);
  }
}
