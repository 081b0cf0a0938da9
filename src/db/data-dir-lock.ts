import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An exclusive lock on the embedded database's directory. Two processes writing one
 * PGlite directory silently lose rows, so a second hub on the same DATA_DIR must refuse
 * to start.
 *
 * The lock file names its holder (pid, host, start time) and the holder refreshes its
 * modification time. It is stale, and taken over, when its process is gone (same host),
 * or when it has not been refreshed for `staleMs` (a holder on another host, e.g. a
 * container that was killed and re-created with a new hostname): a hub that finds a
 * fresh lock of another host waits that long before deciding.
 */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

export interface DataDirLock {
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
}

export interface LockTimings {
  /** How often the holder refreshes the lock. */
  refreshMs: number;
  /** A lock not refreshed for this long is stale. */
  staleMs: number;
}

const DEFAULT_TIMINGS: LockTimings = { refreshMs: 10_000, staleMs: 30_000 };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file with its full content, or finds it taken (the link is atomic). */
function tryCreate(lockPath: string, content: string): boolean {
  const temporary = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, content);
  try {
    fs.linkSync(temporary, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function readHolder(lockPath: string): { content: string; holder: LockContent | undefined; ageMs: number } | undefined {
  try {
    const content = fs.readFileSync(lockPath, 'utf8');
    const ageMs = Date.now() - fs.statSync(lockPath).mtimeMs;
    try {
      return { content, holder: JSON.parse(content) as LockContent, ageMs };
    } catch {
      return { content, holder: undefined, ageMs }; // not ours, or truncated by a crash
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Moves a stale lock aside; false if the file there is no longer the one judged stale. */
function takeOver(lockPath: string, staleContent: string): boolean {
  const aside = `${lockPath}.${process.pid}.stale`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true; // someone else removed it: try again
    throw error;
  }
  if (fs.readFileSync(aside, 'utf8') === staleContent) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // Another process replaced the stale lock meanwhile: put its lock back.
  try {
    fs.linkSync(aside, lockPath);
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return false;
}

function describe(holder: LockContent | undefined): string {
  return holder ? `pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt}` : 'an unreadable lock file';
}

export async function lockDataDir(dataDir: string, { refreshMs, staleMs }: LockTimings = DEFAULT_TIMINGS): Promise<DataDirLock> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'hub.lock');
  const mine: LockContent = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  const content = JSON.stringify(mine);
  const deadline = Date.now() + staleMs + refreshMs;

  for (;;) {
    if (tryCreate(lockPath, content)) break;
    const found = readHolder(lockPath);
    if (!found) continue; // released meanwhile
    const { holder, ageMs } = found;
    const sameHost = holder?.host === os.hostname();
    const holderGone = sameHost && (holder!.pid === process.pid || !isAlive(holder!.pid));
    if (holderGone || ageMs > staleMs || (holder === undefined && ageMs > refreshMs)) {
      if (!takeOver(lockPath, found.content)) {
        throw new DataDirLockedError(`DATA_DIR ${dataDir} was just taken by another hub process starting at the same time`);
      }
      continue;
    }
    if (sameHost || Date.now() > deadline) {
      throw new DataDirLockedError(
        `DATA_DIR ${dataDir} is in use by another hub process (${describe(holder)}). ` +
          'The embedded database allows one process only: stop that process, or give this one another DATA_DIR, or use DATABASE_URL.',
      );
    }
    // A holder on another host: wait until it is stale, or refreshed past our deadline.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, refreshMs)));
  }

  const refresh = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(lockPath, now, now);
    } catch {
      // The next refresh tries again; a lock left unrefreshed for staleMs may be taken over.
    }
  }, refreshMs);
  refresh.unref();

  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      if (readHolder(lockPath)?.content === content) fs.rmSync(lockPath, { force: true });
    },
  };
}
