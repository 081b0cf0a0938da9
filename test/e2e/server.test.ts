import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyChain } from '../../src/audit/message-log';
import { type Engine, openDatabase } from '../../src/db/connect';
import type { DemoCredentials } from '../../src/parties/demo-parties';
import { createPostgresDatabase, describeEachEngine } from '../support/databases';
import { SECRETS, TEST_PARTIES } from '../support/parties';
import { type HubProcess, killAllHubs, runHubUntilExit, startReadyHub } from '../support/process';
import { dossierHeader } from '../support/test-hub';
import { missingAcknowledged, prepareDossiers, runBurst, unexplainedHistory, unpairedHistoryAndOutbox } from './write-burst';

/**
 * The operating contract of `node dist/src/server.js`: zero-setup start with demo parties,
 * graceful shutdown on SIGTERM, restarts on the same DATA_DIR, and a refused boot on a bad
 * parties file.
 */

jest.setTimeout(60_000);

const HOUR = 3_600_000;

describeEachEngine('the hub started without a PARTIES_FILE on a fresh DATA_DIR', (engine: Engine) => {
  let workDir: string;
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;
  let hub: HubProcess;
  let credentialsFile: string;
  let lockFile: string;
  let firstCredentials: DemoCredentials;
  let tokenBeforeRestart: string;
  const code = '000.00.00.H26-261124-0101';

  const hanoiOf = (credentials: DemoCredentials) => {
    const client = credentials.clients.find((c) => c.partyCode === '000.00.00.H26');
    if (!client) throw new Error(`no client of 000.00.00.H26 in ${JSON.stringify(credentials.clients.map((c) => c.clientId))}`);
    return client;
  };

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `hub-server-${engine}-`));
    // DATA_DIR does not exist yet: the hub creates it. PUBLIC_URL (the token issuer) stays the
    // same across restarts, although each start listens on another free port.
    env = { DATA_DIR: path.join(workDir, 'data'), PUBLIC_URL: 'http://hub.e2e.test' };
    credentialsFile = path.join(env.DATA_DIR!, 'demo-credentials.json');
    lockFile = path.join(env.DATA_DIR!, 'hub.lock');
    if (engine === 'postgres') {
      const created = await createPostgresDatabase();
      dropDatabase = created.drop;
      env.DATABASE_URL = created.url;
    }
  });

  afterAll(async () => {
    await killAllHubs();
    await dropDatabase?.();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  // The tests run in order on one DATA_DIR: first start, use, SIGTERM, restart, SIGTERM under load.
  it('prints the generated demo credentials and writes them, readable by the owner only, to DATA_DIR/demo-credentials.json', async () => {
    hub = await startReadyHub({ env });
    expect(fs.existsSync(credentialsFile)).toBe(true);
    expect(fs.statSync(credentialsFile).mode & 0o077).toBe(0);
    firstCredentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as DemoCredentials;
    expect(firstCredentials.clients.map((c) => c.partyCode).sort()).toEqual(['000.00.00.G12', '000.00.00.H26', 'dvcqg']);
    const stdout = hub.stdout();
    expect(stdout).toContain(credentialsFile);
    expect(stdout).toContain('(created now)');
    for (const client of firstCredentials.clients) {
      expect(stdout).toContain(client.clientId);
      expect(stdout).toContain(client.clientSecret);
    }
    expect(new Set(firstCredentials.clients.map((c) => c.clientSecret)).size).toBe(firstCredentials.clients.length);
  });

  it('accepts a token from the demo credentials for a dossier PUT, a status event and a GET', async () => {
    const hanoi = hanoiOf(firstCredentials);
    tokenBeforeRestart = await hub.token(hanoi.clientId, hanoi.clientSecret);
    const now = Date.now();
    const put = await hub.request('PUT', `/v1/dossiers/${code}`, {
      token: tokenBeforeRestart,
      body: dossierHeader('000.00.00.H26', { receivedAt: new Date(now - 2 * HOUR).toISOString(), dueAt: new Date(now + 48 * HOUR).toISOString() }),
    });
    expect(put.status).toBe(201);
    const event = await hub.request('POST', `/v1/dossiers/${code}/events`, {
      token: tokenBeforeRestart,
      body: { status: 'RECEIVED', occurredAt: new Date(now - HOUR).toISOString(), sequence: 1 },
    });
    expect(event.status).toBe(201);
    const got = await hub.request('GET', `/v1/dossiers/${code}`, { token: tokenBeforeRestart });
    expect(got.status).toBe(200);
    expect(got.json()).toMatchObject({ dossierCode: code, status: 'RECEIVED', statusCode: 2, timeline: [{ status: 'RECEIVED', sequence: 1, applied: true }] });
  });

  it('refuses a wrong secret for a demo client', async () => {
    const hanoi = hanoiOf(firstCredentials);
    await expect(hub.token(hanoi.clientId, `${hanoi.clientSecret}x`)).rejects.toThrow(/401/);
  });

  it('exits 0 on SIGTERM and leaves no lock file behind', async () => {
    // Only the embedded database needs the lock; with PostgreSQL there is none.
    expect(fs.existsSync(lockFile)).toBe(engine === 'pglite');
    const exit = await hub.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('reuses the same demo credentials, data and token signing key after a restart', async () => {
    const fileBefore = fs.readFileSync(credentialsFile, 'utf8');
    hub = await startReadyHub({ env, connections: 36 });
    expect(fs.readFileSync(credentialsFile, 'utf8')).toBe(fileBefore);
    const stdout = hub.stdout();
    expect(stdout).not.toContain('(created now)');
    for (const client of firstCredentials.clients) expect(stdout).toContain(client.clientSecret);

    const hanoi = hanoiOf(firstCredentials);
    const token = await hub.token(hanoi.clientId, hanoi.clientSecret);
    const got = await hub.request('GET', `/v1/dossiers/${code}`, { token });
    expect(got.status).toBe(200);
    expect(got.json()).toMatchObject({ dossierCode: code, status: 'RECEIVED' });
    expect(JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).tokenUrl).toBe('http://hub.e2e.test/oauth/token');
    // Tokens issued before the restart stay valid until they expire: the signing key is kept.
    expect((await hub.request('GET', `/v1/dossiers/${code}`, { token: tokenBeforeRestart })).status).toBe(200);
  });

  it('finishes the writes in flight on SIGTERM under load, exits 0 within 5 s and keeps exactly the acknowledged writes', async () => {
    const loops = 32;
    if (hub.hasExited()) throw new Error('the restarted hub is not running');
    const hanoi = hanoiOf(firstCredentials);
    const token = await hub.token(hanoi.clientId, hanoi.clientSecret);
    const codes = await prepareDossiers(hub, token, loops);
    let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> | undefined;
    const burst = await runBurst({
      hub,
      token,
      codes,
      loops,
      requestIdPrefix: `sigterm-${engine}`,
      armAfterMs: 1000,
      interrupt: () => {
        const started = Date.now();
        stopped = hub.stop(20_000).then((status) => ({ ...status, ms: Date.now() - started }));
      },
      keepSending: true,
    });
    const exit = await stopped!;
    expect(burst.unexpected).toEqual([]);
    expect(burst.interruptedByAcknowledgment).toBe(true);
    // Requests that reach a closing hub are refused with 503 (or find the port closed).
    expect(burst.refusedAfterInterrupt.filter((r) => r.status !== 503)).toEqual([]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    expect(fs.existsSync(lockFile)).toBe(false);

    const inspection = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR!, poolSize: 2 });
    try {
      expect(await missingAcknowledged(inspection.db, burst.acknowledged)).toEqual({ history: [], outbox: [], messageLog: [] });
      // A graceful stop answers whatever it applied: nothing is applied without its answer.
      expect(await unexplainedHistory(inspection.db, burst.acknowledged)).toEqual([]);
      expect(await unpairedHistoryAndOutbox(inspection.db)).toEqual([]);
      expect(await verifyChain(inspection.db)).toMatchObject({ ok: true });
    } finally {
      await inspection.close();
    }
  });
});

describe('the hub started with an invalid PARTIES_FILE', () => {
  let workDir: string;

  beforeAll(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-parties-'));
  });

  afterAll(async () => {
    await killAllHubs();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const withParty = (index: number, change: (party: Record<string, any>) => void) => {
    const parties = structuredClone(TEST_PARTIES) as Record<string, any>[];
    change(parties[index]!);
    return { parties };
  };

  it.each([
    ['an unknown kind', '/parties/1/kind', withParty(1, (p) => (p.kind = 'CITY'))],
    ['a misspelt client field', '/parties/0/clients/0/clientSecrett', withParty(0, (p) => (p.clients[0] = { clientId: 'hanoi', clientSecrett: SECRETS.hanoi }))],
    ['a jurisdiction pattern that is not an agency code', '/parties/2/jurisdiction/0', withParty(2, (p) => (p.jurisdiction = ['H26 and more']))],
  ])('exits 1 on %s, naming the field %s', async (_case, field, document) => {
    const file = path.join(workDir, `parties-${field.replace(/\W+/g, '_')}.json`);
    fs.writeFileSync(file, JSON.stringify(document));
    const dataDir = path.join(workDir, `data-${field.replace(/\W+/g, '_')}`);
    const result = await runHubUntilExit({ env: { DATA_DIR: dataDir, PARTIES_FILE: file } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(field);
    expect(result.stderr).toContain(file);
    // It stopped before touching the database.
    expect(fs.existsSync(path.join(dataDir, 'pglite'))).toBe(false);
  });

  it('names a too-short client secret without printing it', async () => {
    const secret = 'Xq7shortpw';
    const file = path.join(workDir, 'parties-weak-client.json');
    fs.writeFileSync(file, JSON.stringify(withParty(0, (p) => (p.clients[0].clientSecret = secret))));
    const result = await runHubUntilExit({ env: { DATA_DIR: path.join(workDir, 'data-short-secret'), PARTIES_FILE: file } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/parties/0/clients/0/clientSecret');
    expect(result.stderr + result.stdout).not.toContain(secret);
  });
});
