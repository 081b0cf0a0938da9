import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { findFreePort } from '../bench/children';

/**
 * The real hub as a child process (`node dist/src/server.js`), for end-to-end tests: start it
 * with an environment of the test's choosing, wait until it is ready, talk HTTP to it, stop it
 * gracefully (SIGTERM) or kill it (SIGKILL). `dist/` is built by `npm test` before Jest runs.
 */

/** HUB_SERVER_SCRIPT runs the suite against another build (e.g. a deliberately broken copy, to see a test fail). */
export const SERVER_SCRIPT = process.env.HUB_SERVER_SCRIPT ?? path.resolve(__dirname, '..', '..', 'dist', 'src', 'server.js');

/** How much of each output stream is kept, to explain a failure. */
const OUTPUT_KEEP_CHARS = 64 * 1024;

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = any>(): T;
}

export interface HubProcess {
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** What the process wrote so far (the last 64 KiB of each stream). */
  stdout(): string;
  stderr(): string;
  hasExited(): boolean;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<ExitStatus>;
  /** Polls GET /health/ready until 200; fails with the process's output if it dies or times out. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** One HTTP exchange; a JSON body is serialized, `token` becomes a Bearer header. */
  request(method: string, urlPath: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<HttpAnswer>;
  /** An access token by client_secret_basic (form body, as RFC 6749 §4.4 has it). */
  token(clientId: string, clientSecret: string, scope?: string): Promise<string>;
  /** SIGTERM, then waits for the exit (SIGKILL and an error if it takes longer than `timeoutMs`). */
  stop(timeoutMs?: number): Promise<ExitStatus>;
  /** SIGKILL (kill -9): no shutdown code runs. Resolves once the process is gone. */
  kill(): Promise<ExitStatus>;
}

export interface StartOptions {
  /** The hub's environment; PATH is added, nothing else leaks in from the test's own environment. */
  env: Record<string, string>;
  /** HTTP connections kept to this hub (a burst needs as many as it has concurrent loops). */
  connections?: number;
}

/** Every child still alive, so that afterAll (and, as a last resort, process exit) can end them. */
const children = new Set<HubProcess>();

process.once('exit', () => {
  for (const child of children) {
    try {
      if (!child.hasExited()) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Resolves with `undefined` after `ms` unless cancelled first (a pending timer would keep Jest alive). */
function deadline(ms: number): { expired: Promise<undefined>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return { expired, cancel: () => clearTimeout(timer) };
}

/** Waits for `promise`, at most `ms`; `undefined` on timeout. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const limit = deadline(ms);
  try {
    return await Promise.race([promise, limit.expired]);
  } finally {
    limit.cancel();
  }
}

function keepTail(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > OUTPUT_KEEP_CHARS ? next.slice(-OUTPUT_KEEP_CHARS) : next;
}

/** Starts the hub; does not wait for it (see `startReadyHub`). */
export async function startHub(options: StartOptions): Promise<HubProcess> {
  if (!fs.existsSync(SERVER_SCRIPT)) throw new Error(`${SERVER_SCRIPT} is missing: run \`npm run build\` (npm test does it first)`);
  const port = options.env.PORT ? Number(options.env.PORT) : await findFreePort();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '10000000', ...options.env, PORT: String(port) };
  const child: ChildProcess = spawn(process.execPath, [SERVER_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('the hub process could not be spawned');
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout = keepTail(stdout, chunk)));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = keepTail(stderr, chunk)));
  const exited = new Promise<ExitStatus>((resolve) => {
    // 'close' (not 'exit'): the output streams are drained by then, so stdout()/stderr() are complete.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const agent = new Agent({ connections: options.connections ?? 8, keepAliveTimeout: 10_000, connect: { timeout: 5_000 } });
  let exitStatus: ExitStatus | undefined;

  const hub: HubProcess = {
    pid: child.pid,
    port,
    baseUrl,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    hasExited: () => exitStatus !== undefined || child.exitCode !== null || child.signalCode !== null,

    async waitUntilReady(timeoutMs = 30_000) {
      const giveUpAt = Date.now() + timeoutMs;
      let last = 'no answer yet';
      while (Date.now() < giveUpAt) {
        if (hub.hasExited()) {
          const status = await exited;
          throw new Error(`the hub exited before it was ready (code ${status.code}, signal ${status.signal})\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
        }
        try {
          const answer = await hub.request('GET', '/health/ready');
          if (answer.status === 200) return;
          last = `${answer.status} ${answer.text}`;
        } catch (error) {
          last = (error as Error).message;
        }
        await sleep(50);
      }
      throw new Error(`the hub was not ready after ${timeoutMs} ms (last: ${last})\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout.slice(-4000)}`);
    },

    async request(method, urlPath, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      let body: string | undefined;
      if (requestOptions.body !== undefined) {
        body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await request(`${baseUrl}${urlPath}`, { method: method as 'GET', headers, body, dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 });
      const text = await response.body.text();
      return {
        status: response.statusCode,
        headers: response.headers,
        text,
        json: () => JSON.parse(text),
      };
    },

    async token(clientId, clientSecret, scope) {
      const answer = await hub.request('POST', '/oauth/token', {
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
      });
      if (answer.status !== 200) throw new Error(`token for ${clientId}: ${answer.status} ${answer.text}`);
      return answer.json<{ access_token: string }>().access_token;
    },

    async stop(timeoutMs = 20_000) {
      if (!hub.hasExited()) child.kill('SIGTERM');
      const status = await within(exited, timeoutMs);
      if (status === undefined) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`the hub did not exit within ${timeoutMs} ms of SIGTERM (killed)\n--- stderr ---\n${stderr}`);
      }
      return status;
    },

    async kill() {
      if (!hub.hasExited()) child.kill('SIGKILL');
      return exited;
    },
  };

  children.add(hub);
  void exited.then(async (status) => {
    exitStatus = status;
    children.delete(hub);
    await agent.destroy().catch(() => undefined);
  });
  return hub;
}

/** Starts the hub and waits until GET /health/ready answers 200 (kills it if it never does). */
export async function startReadyHub(options: StartOptions & { readyTimeoutMs?: number }): Promise<HubProcess> {
  for (let attempt = 1; ; attempt++) {
    const hub = await startHub(options);
    try {
      await hub.waitUntilReady(options.readyTimeoutMs);
      return hub;
    } catch (error) {
      await hub.kill();
      // Another process took the free port between our probe and the hub's listen: try another one.
      if (attempt < 3 && !options.env.PORT && hub.stderr().includes('EADDRINUSE')) continue;
      throw error;
    }
  }
}

/** Runs a hub that is expected to stop on its own (a refused boot); kills it after `timeoutMs`. */
export async function runHubUntilExit(options: StartOptions & { timeoutMs?: number }): Promise<ExitStatus & { stdout: string; stderr: string }> {
  const hub = await startHub(options);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const status = await within(hub.exited, timeoutMs);
  if (status === undefined) {
    await hub.kill();
    throw new Error(`the hub was expected to exit but still ran after ${timeoutMs} ms\n--- stderr ---\n${hub.stderr()}\n--- stdout ---\n${hub.stdout()}`);
  }
  return { ...status, stdout: hub.stdout(), stderr: hub.stderr() };
}

/** SIGKILLs every hub child still running (for afterAll / finally). */
export async function killAllHubs(): Promise<void> {
  await Promise.all([...children].map((child) => child.kill()));
}
