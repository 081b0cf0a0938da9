import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES } from '../support/databases';
import { SECRETS, TEST_PARTIES } from '../support/parties';
import { type HubProcess, killAllHubs, runHubUntilExit, startReadyHub } from '../support/process';
import { dossierHeader } from '../support/test-hub';

/**
 * The embedded database allows one process per data directory (two writers silently lose
 * rows), so the hub holds DATA_DIR/hub.lock: a second hub must refuse to start, and a lock
 * left behind by a killed hub must be taken over.
 */

jest.setTimeout(60_000);

const describeOnPglite = ENGINES.includes('pglite') ? describe : describe.skip;

describeOnPglite('the DATA_DIR lock of the embedded database', () => {
  let workDir: string;
  let env: Record<string, string>;
  let lockFile: string;
  let first: HubProcess;

  const lockHolder = () => (JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number }).pid;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-lock-'));
    const partiesFile = path.join(workDir, 'parties.json');
    fs.writeFileSync(partiesFile, JSON.stringify({ parties: TEST_PARTIES }));
    env = { DATA_DIR: path.join(workDir, 'data'), PARTIES_FILE: partiesFile };
    lockFile = path.join(env.DATA_DIR!, 'hub.lock');
    first = await startReadyHub({ env });
  });

  afterAll(async () => {
    await killAllHubs();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('is held by the running hub, with its pid', () => {
    expect(lockHolder()).toBe(first.pid);
  });

  it('makes a second hub on the same DATA_DIR exit non-zero, naming DATA_DIR and the running pid', async () => {
    const second = await runHubUntilExit({ env });
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stderr).toContain(env.DATA_DIR);
    expect(second.stderr).toContain(`pid ${first.pid}`);
    // The refused hub neither took the lock nor disturbed the running one.
    expect(lockHolder()).toBe(first.pid);
    expect((await first.request('GET', '/health/ready')).status).toBe(200);
  });

  it('is taken over by a new hub after the holder was killed with SIGKILL, which keeps the data', async () => {
    const token = await first.token('hanoi', SECRETS.hanoi);
    const code = '000.00.00.H26-261124-0777';
    const put = await first.request('PUT', `/v1/dossiers/${code}`, { token, body: dossierHeader() });
    expect(put.status).toBe(201);

    const killedPid = first.pid;
    expect((await first.kill()).signal).toBe('SIGKILL');
    // The dead hub's lock is still there: the new one must see it is stale.
    expect(lockHolder()).toBe(killedPid);

    const next = await startReadyHub({ env });
    expect(lockHolder()).toBe(next.pid);
    const again = await next.request('GET', `/v1/dossiers/${code}`, { token: await next.token('hanoi', SECRETS.hanoi) });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ dossierCode: code });

    expect((await next.stop()).code).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);
  });
});
