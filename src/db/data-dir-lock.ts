import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An exclusive lock on the embedded database's directory. Two processes writing one
 * PGlite directory silently lose rows, so a second hub on the same DATA_DIR must refuse
 * to start. A lock left by a process that died (kill -9) is taken over.
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'hub.lock');
  const content: LockContent = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify(content), { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            const holder = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockContent;
            if (holder.pid === process.pid) fs.unlinkSync(lockPath);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: LockContent | undefined;
      try {
        holder = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockContent;
      } catch {
        holder = undefined; // unreadable: a crash mid-write; treat as stale
      }
      if (holder && holder.host === os.hostname() && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new DataDirLockedError(
          `DATA_DIR ${dataDir} is in use by another hub process (pid ${holder.pid}, started ${holder.startedAt}). ` +
            'The embedded database allows one process only: stop that process, or give this one another DATA_DIR, or use DATABASE_URL.',
        );
      }
      if (holder && holder.host !== os.hostname()) {
        throw new DataDirLockedError(
          `DATA_DIR ${dataDir} is locked by host ${holder.host} (pid ${holder.pid}). If that host is gone, delete ${lockPath}.`,
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its process is dead
    }
  }
  throw new DataDirLockedError(`could not lock DATA_DIR ${dataDir}: another process keeps taking ${lockPath}`);
}
