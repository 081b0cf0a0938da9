import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { TestBrowser, chooserForm } from '../support/sso/browser';
import { startUpstreamIdp } from '../support/sso/upstream-idp';
import { cpuSecondsOf, findFreePort, startNodeServer, waitUntilReady } from './children';
import { withFreshDatabase } from './databases';
import { measureLoad } from './load';
import type { Timing } from './scenarios';

/**
 * Single sign-on throughput (in `npm run bench`; alone: `BENCH_SCENARIOS=sso npm run bench`):
 * the hub process on a fresh PostgreSQL database, a local upstream oidc-provider, and
 *  - full logins: authorize → chooser → upstream → callback → code → token exchange, per second;
 *  - token endpoint: code exchanges (codes made beforehand by silent re-authorization, no upstream);
 *  - userinfo: autocannon with one access token.
 * Targets (issue): userinfo ≥ 5,000/s, token ≥ 500/s, full logins ≥ 200/s.
 */
const SECRET = 'bench-portal-secret-0123456789';
const REDIRECT = 'http://127.0.0.1:9/cb';
const BASIC = `Basic ${Buffer.from(`bench-portal:${SECRET}`).toString('base64')}`;
const VERIFIER = 'v'.repeat(43);
/** How many citizens the full logins rotate over. */
const CITIZENS = 500;
const CHALLENGE = { verifier: VERIFIER, challenge: createHash('sha256').update(VERIFIER).digest('base64url') };

async function closedLoop(workers: number, seconds: number, once: () => Promise<void>): Promise<{ perSecond: number; done: number; failures: number; firstFailure?: string }> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) {
        try {
          await once();
          done += 1;
        } catch (error) {
          failures += 1;
          firstFailure ??= (error as Error).message;
        }
      }
    }),
  );
  return { perSecond: Math.round((done / (Date.now() - started)) * 1000), done, failures, ...(firstFailure ? { firstFailure } : {}) };
}

export interface SsoBenchResult {
  /** With the hub's CPU per login (all its threads): the machine's load generator and upstream share the cores, this number does not. */
  fullLoginsPerSecond: { perSecond: number; done: number; failures: number; firstFailure?: string; hubCpuMsPerLogin: number };
  tokenExchangesPerSecond: { perSecond: number; exchanged: number; failures: number };
  userinfoPerSecond: { mean: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; hubCpuUsPerRequest: number };
}

export function ssoScenarios(timing: Timing): Promise<SsoBenchResult> {
  return withFreshDatabase(async (databaseUrl) => {
    const port = await findFreePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    const upstream = await startUpstreamIdp({ hubCallbackUrl: `${hubUrl}/sso/callback/vneid` });
    // Citizens come back (the warm-up makes most of their accounts): one citizen logging in 200 times a second would measure that one row's lock.
    let logins = 0;
    upstream.pickCitizen = () => {
      const n = logins++ % CITIZENS;
      return { subject: `vneid-${n}`, claims: { name: `Công dân ${n}`, id_number: String(1_000_000_000 + n).padStart(12, '0'), birthdate: '1990-05-17' }, acr: 'LoA2' };
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sso-bench-'));
    const partiesFile = path.join(dir, 'parties.json');
    fs.writeFileSync(
      partiesFile,
      JSON.stringify({
        parties: [
          { code: 'dvcqg', name: 'Portal', kind: 'PORTAL', jurisdiction: ['*'], scopes: ['dossiers:read'], clients: [{ clientId: 'bench-portal', clientSecret: SECRET, redirectUris: [REDIRECT] }] },
          { code: 'vneid', name: 'VNeID', kind: 'IDENTITY_PROVIDER', provider: 'oidc', settings: { issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, acr: ['LoA2'] } },
        ],
      }),
    );
    const hub = startNodeServer('hub', path.resolve(__dirname, '../../src/server.js'), port, {
      DATABASE_URL: databaseUrl,
      PARTIES_FILE: partiesFile,
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '10000000',
    });
    await waitUntilReady(hub, '/health/ready', (status) => status === 200);
    const agent = new Agent({ connections: 64 });
    const authorizeUrl = (extra: Record<string, string> = {}) =>
      `${hubUrl}/oidc/auth?${new URLSearchParams({ client_id: 'bench-portal', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', code_challenge: CHALLENGE.challenge, code_challenge_method: 'S256', state: 'bench-state', nonce: 'bench-nonce', ...extra })}`;
    const exchange = async (code: string) => {
      const answer = await request(`${hubUrl}/oidc/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: CHALLENGE.verifier }).toString(),
      });
      const body = (await answer.body.json()) as { access_token: string };
      if (answer.statusCode !== 200) throw new Error(`token ${answer.statusCode} ${JSON.stringify(body)}`);
      return body.access_token;
    };
    const fullLogin = async (browser = new TestBrowser()) => {
      const chooser = await browser.follow(authorizeUrl(), REDIRECT);
      const { action, fields } = chooserForm(chooser.body, 'vneid');
      const back = await browser.follow(new URL(action, hubUrl), REDIRECT, { form: fields });
      const code = back.location?.searchParams.get('code');
      if (!code) throw new Error(`no code: ${back.status} ${back.body.slice(0, 200)}`);
      return { browser, accessToken: await exchange(code) };
    };

    await closedLoop(16, timing.warmupSeconds, async () => void (await fullLogin()));
    const loginsFrom = cpuSecondsOf(hub.pid);
    const loginRate = await closedLoop(16, timing.durationSeconds, async () => void (await fullLogin()));
    const hubCpuMsPerLogin = ((cpuSecondsOf(hub.pid) - loginsFrom) * 1000) / loginRate.done;
    // Codes for the token endpoint, from browsers that already have a hub session (one request each).
    const sessions = await Promise.all(Array.from({ length: 16 }, () => fullLogin()));
    const codes: string[] = [];
    await closedLoop(16, 4, async () => {
      const browser = sessions[codes.length % sessions.length]!.browser;
      const silent = await browser.visit(authorizeUrl({ prompt: 'none' }));
      const code = silent.location?.searchParams.get('code');
      if (!code) throw new Error(`silent authorization gave no code: ${silent.status}`);
      codes.push(code);
    });
    // Every prepared code once (they live 60 s), 32 at a time.
    const prepared = codes.length;
    const exchangeStarted = Date.now();
    let tokenFailures = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let code = codes.pop(); code; code = codes.pop()) await exchange(code).catch(() => (tokenFailures += 1));
      }),
    );
    const tokens = { perSecond: Math.round((prepared / (Date.now() - exchangeStarted)) * 1000), exchanged: prepared, failures: tokenFailures };

    const accessToken = sessions[0]!.accessToken;
    // The hub's CPU from the first measured answer (after the warm-up) to the last.
    let userinfoFrom = Number.NaN;
    let answered = 0;
    const userinfo = await measureLoad({
      baseUrl: hubUrl,
      method: 'GET',
      connections: 64,
      ...timing,
      headers: { authorization: `Bearer ${accessToken}` },
      nextRequest: () => ({ path: '/oidc/userinfo', body: '' }),
      onResponse: () => {
        if (answered++ === 0) userinfoFrom = cpuSecondsOf(hub.pid);
      },
    });
    const hubCpuUsPerRequest = ((cpuSecondsOf(hub.pid) - userinfoFrom) * 1e6) / answered;
    const report: SsoBenchResult = {
      fullLoginsPerSecond: { ...loginRate, hubCpuMsPerLogin },
      tokenExchangesPerSecond: tokens,
      userinfoPerSecond: { mean: userinfo.requestsPerSecondMean, p50Ms: userinfo.latencyP50Ms, p99Ms: userinfo.latencyP99Ms, non2xx: userinfo.non2xx, errors: userinfo.errors, hubCpuUsPerRequest },
    };
    await agent.close();
    await hub.stop();
    await upstream.close();
    fs.rmSync(dir, { recursive: true, force: true });
    return report;
  });
}
