import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError, lockDataDir } from '../../src/db/data-dir-lock';

const fast = { refreshMs: 50, staleMs: 300 };

describe('data directory lock', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lockFile = () => path.join(dir, 'hub.lock');
  const foreignLock = (host = 'another-host') => fs.writeFileSync(lockFile(), JSON.stringify({ pid: 4242, host, startedAt: '2026-11-24T00:00:00.000Z' }));

  it('writes the holder into the lock and removes it on release', async () => {
    const lock = await lockDataDir(dir, fast);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    lock.release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('keeps refreshing the lock while it is held', async () => {
    const lock = await lockDataDir(dir, fast);
    const before = fs.statSync(lockFile()).mtimeMs;
    await new Promise((r) => setTimeout(r, 150));
    expect(fs.statSync(lockFile()).mtimeMs).toBeGreaterThan(before);
    lock.release();
  });

  it('takes over the lock of a process of this host that is gone', async () => {
    fs.writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 7, host: os.hostname(), startedAt: 'then' }));
    const lock = await lockDataDir(dir, fast);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('waits for the lock of another host to go stale, then takes it over (a re-created container)', async () => {
    foreignLock();
    const started = Date.now();
    const lock = await lockDataDir(dir, fast);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).host).toBe(os.hostname());
    lock.release();
  });

  it('refuses, naming the holder, while another host keeps its lock fresh', async () => {
    foreignLock();
    const keepFresh = setInterval(() => fs.utimesSync(lockFile(), new Date(), new Date()), 20);
    try {
      await expect(lockDataDir(dir, fast)).rejects.toThrow(new DataDirLockedError(`DATA_DIR ${dir} is in use by another hub process (pid 4242 on host another-host, started 2026-11-24T00:00:00.000Z). The embedded database allows one process only: stop that process, or give this one another DATA_DIR, or use DATABASE_URL.`));
    } finally {
      clearInterval(keepFresh);
    }
  });

  it('takes over a truncated lock file left by a crash', async () => {
    fs.writeFileSync(lockFile(), '{"pid": 12');
    const old = new Date(Date.now() - 1000);
    fs.utimesSync(lockFile(), old, old);
    const lock = await lockDataDir(dir, fast);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('does not remove a lock that another process took over meanwhile', async () => {
    const lock = await lockDataDir(dir, fast);
    foreignLock();
    lock.release();
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).host).toBe('another-host');
  });
});
