import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const OUTPUT_TAIL_CHARS = 4000;
const STOP_GRACE_MS = 5000;

export interface Server {
  readonly label: string;
  readonly pid: number;
  readonly baseUrl: string;
  /** The last few kilobytes the process wrote, to explain why it failed. */
  outputTail(): string;
  hasExited(): boolean;
  stop(): Promise<void>;
}

/** Every server still running, so that any exit path (error, Ctrl-C) can stop them all. */
const running = new Set<Server>();

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

// Last resort: Node does not end its children when it dies, and an orphaned hub would skew the next run.
process.once('exit', () => {
  for (const server of running) if (!server.hasExited()) process.kill(server.pid, 'SIGKILL');
});

/**
 * Ports handed out for servers started later are drawn below Linux's ephemeral range
 * (32768–60999): a port from that range (what binding port 0 gives) is also what the
 * kernel picks as the local port of outgoing connections, so a database or HTTP client
 * connecting in the meantime could take it, and the server would then fail with EADDRINUSE.
 */
const PORT_RANGE = { from: 20_000, to: 32_000 };

function canListen(port: number): Promise<boolean> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port nobody listens on right now, for a server started later (also used by the tests' process helpers). */
export async function findFreePort(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (await canListen(port)) return port;
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** BENCH_PROFILE_DIR: every server the bench starts writes a CPU profile there when it stops (open it in Chrome DevTools). */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

/** Starts `node <script>` with exactly `env` (plus PATH): nothing leaks in from the bench's own environment. */
export function startNodeServer(label: string, script: string, port: number, env: Record<string, string>): Server {
  const profiling = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profiling, script], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${label} could not be started`);
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  const server: Server = {
    label,
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${port}`,
    outputTail: () => output,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      running.delete(server);
      if (server.hasExited()) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([waitForExit(child).then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await waitForExit(child);
      }
    },
  };
  running.add(server);
  return server;
}

/** Polls `path` until `isReady(status)`; fails early, with the server's own output, if it dies. */
export async function waitUntilReady(
  server: Server,
  path: string,
  isReady: (status: number) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      throw new Error(`${server.label} exited before it was ready. Its output:\n${server.outputTail()}`);
    }
    try {
      const response = await fetch(server.baseUrl + path);
      await response.arrayBuffer();
      if (isReady(response.status)) return;
      lastProblem = `GET ${path} answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${server.label} was not ready after ${timeoutMs} ms (${lastProblem}). Its output:\n${server.outputTail()}`);
}

function residentSetMegabytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process is gone
  }
}

/** Samples a process's resident memory every second until stopped; returns the peak in MB. */
export function sampleMaxRss(pid: number): { stop(): number } {
  let maxMegabytes = residentSetMegabytes(pid) ?? 0;
  const timer = setInterval(() => {
    maxMegabytes = Math.max(maxMegabytes, residentSetMegabytes(pid) ?? 0);
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(maxMegabytes, residentSetMegabytes(pid) ?? 0);
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times: 100 on every Linux these machines run. */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) a process has used so far; NaN off Linux or once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
