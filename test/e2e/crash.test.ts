import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyChain } from '../../src/audit/message-log';
import { Sealer } from '../../src/audit/sealer';
import { type DatabaseHandle, type Engine, openDatabase } from '../../src/db/connect';
import { createPostgresDatabase, describeEachEngine } from '../support/databases';
import { SECRETS, TEST_PARTIES } from '../support/parties';
import { type ExitStatus, type HubProcess, killAllHubs, startReadyHub } from '../support/process';
import {
  type BurstOutcome,
  dossierCode,
  eventBody,
  inconsistentDossiers,
  missingAcknowledged,
  outboxOutOfOrder,
  prepareDossiers,
  runBurst,
  unexplainedHistory,
  unpairedHistoryAndOutbox,
} from './write-burst';

/**
 * Durability under a crash: the hub is killed with SIGKILL in the middle of a burst of
 * concurrent writes. Whatever it acknowledged must be in the database afterwards, with its
 * history row, its outbox event and its message-log record, and nothing may be half-written.
 */

jest.setTimeout(60_000);

const DOSSIERS = 50;
const LOOPS = 32;
const BURST_BEFORE_KILL_MS = 1500;

describeEachEngine('a hub killed with SIGKILL in the middle of a write burst', (engine: Engine) => {
  let workDir: string;
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  let hub: HubProcess | undefined;
  let inspection: DatabaseHandle | undefined;
  let burst: BurstOutcome | undefined;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), `hub-crash-${engine}-`));
    const partiesFile = path.join(workDir, 'parties.json');
    fs.writeFileSync(partiesFile, JSON.stringify({ parties: TEST_PARTIES }));
    env = { DATA_DIR: path.join(workDir, 'data'), PARTIES_FILE: partiesFile };
    if (engine === 'postgres') {
      const created = await createPostgresDatabase();
      dropDatabase = created.drop;
      databaseUrl = created.url;
      env.DATABASE_URL = created.url;
    }
  });

  afterAll(async () => {
    await killAllHubs();
    await inspection?.close().catch(() => undefined);
    await dropDatabase?.();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('acknowledges a burst of concurrent hand-overs until it is killed', async () => {
    hub = await startReadyHub({ env, connections: LOOPS + 4 });
    const token = await hub.token('hanoi', SECRETS.hanoi);
    const codes = await prepareDossiers(hub, token, DOSSIERS);
    let exit: Promise<ExitStatus> | undefined;
    burst = await runBurst({
      hub,
      token,
      codes,
      loops: LOOPS,
      requestIdPrefix: `crash-${engine}`,
      armAfterMs: BURST_BEFORE_KILL_MS,
      interrupt: () => (exit = hub!.kill()),
      keepSending: false,
    });
    expect((await exit!).signal).toBe('SIGKILL');
    if (engine === 'pglite') {
      // The dead hub's lock is left behind: opening the database below must take it over.
      expect(JSON.parse(fs.readFileSync(path.join(env.DATA_DIR!, 'hub.lock'), 'utf8')).pid).toBe(hub.pid);
    }
    expect(burst.unexpected).toEqual([]);
    expect(burst.refusedAfterInterrupt).toEqual([]);
    // The kill landed mid-burst: right after an answer, with the loops still writing.
    expect(burst.interruptedByAcknowledgment).toBe(true);
    expect(burst.acknowledged.length).toBeGreaterThanOrEqual(LOOPS);
  });

  describe('the database it leaves behind', () => {
    beforeAll(async () => {
      if (!burst || !hub?.hasExited()) throw new Error('the burst test did not leave a killed hub behind');
      // PGlite: the dead process's lock file is still there and must be taken over.
      inspection = await openDatabase({ databaseUrl, dataDir: env.DATA_DIR!, poolSize: 2 });
    });

    it('holds every acknowledged hand-over as an applied history row, a status_changed outbox event and a 201 message-log record', async () => {
      expect(await missingAcknowledged(inspection!.db, burst!.acknowledged)).toEqual({ history: [], outbox: [], messageLog: [] });
    });

    it('holds no burst event but the acknowledged ones and those in flight at the kill, and none refused', async () => {
      expect(await unexplainedHistory(inspection!.db, [...burst!.acknowledged, ...burst!.unanswered])).toEqual([]);
    });

    it('pairs every applied history row with exactly one status_changed outbox event and the reverse', async () => {
      expect(await unpairedHistoryAndOutbox(inspection!.db)).toEqual([]);
    });

    it("keeps each dossier's last_sequence equal to its highest applied sequence, in PROCESSING", async () => {
      expect(await inconsistentDossiers(inspection!.db)).toEqual({ dossiers: DOSSIERS, wrong: [] });
    });

    it("orders each dossier's outbox events by sequence (outbox id order is commit order)", async () => {
      expect(await outboxOutOfOrder(inspection!.db)).toEqual([]);
    });

    it('keeps an unbroken message-log hash chain once the records it left are sealed, as the next start does', async () => {
      await new Sealer(inspection!.db, (error) => {
        throw error;
      }).flush();
      const verdict = await verifyChain(inspection!.db);
      expect(verdict).toMatchObject({ ok: true, unsealed: 0 });
      expect(verdict.records).toBeGreaterThanOrEqual(DOSSIERS * 3 + burst!.acknowledged.length);
    });
  });

  it('serves again after a restart on the same data', async () => {
    await inspection?.close();
    inspection = undefined;
    hub = await startReadyHub({ env });
    const token = await hub.token('hanoi', SECRETS.hanoi);
    const code = dossierCode(0);
    const before = await hub.request('GET', `/v1/dossiers/${code}`, { token });
    expect(before.status).toBe(200);
    const dossier = before.json();
    expect(dossier.status).toBe('PROCESSING');
    const acknowledged = burst!.acknowledged.filter((a) => a.code === code).map((a) => a.sequence);
    const highestApplied = Math.max(...dossier.timeline.map((t: { sequence: number }) => t.sequence));
    expect(highestApplied).toBeGreaterThanOrEqual(Math.max(2, ...acknowledged));

    const next = await hub.request('POST', `/v1/dossiers/${code}/events`, { token, body: eventBody('PROCESSING', highestApplied + 1) });
    expect(next.status).toBe(201);
    expect(next.json().timeline.at(-1)).toMatchObject({ sequence: highestApplied + 1, applied: true });
    expect(await hub.stop()).toEqual({ code: 0, signal: null });
  });
});
