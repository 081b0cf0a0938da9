import path from 'node:path';
import { findFreePort, startNodeServer, waitUntilReady } from './children';
import { withFreshDatabase } from './databases';
import { dossierCodes, fetchAccessToken, LOAD_OCCURRED_AT, prepareDossiers, withHub } from './hub';
import { measureLoad, type LoadResult } from './load';

const BASELINE_SCRIPT = path.join(__dirname, 'baseline-server.js');
const BATCH_SIZE = 1000;
/** Distinct batch bodies to rotate over; at least the batch connection count, so concurrent batches differ. */

export type Engine = 'postgres' | 'pglite';

export interface Timing {
  durationSeconds: number;
  warmupSeconds: number;
}

export interface HubLoadResult extends LoadResult {
  maxRssMb: number;
}

export interface BatchLoadResult extends HubLoadResult {
  eventsPerSecond: number;
  /** Items the hub answered 200 for as a batch but refused one by one. */
  refusedItems: number;
}

/** The hand-over event every single-event request sends; the baseline stores the same bytes. */
const HAND_OVER_EVENT = JSON.stringify({ status: 'PROCESSING', occurredAt: LOAD_OCCURRED_AT, note: 'hand-over' });

/** Postgres runs get a database of their own; PGlite runs get the hub's embedded default. */
function onEngine<T>(engine: Engine, use: (databaseUrl: string | undefined) => Promise<T>): Promise<T> {
  return engine === 'postgres' ? withFreshDatabase(use) : use(undefined);
}

export function rotating<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length] as T;
}

export function baselineInsert(timing: Timing, connections: number): Promise<LoadResult> {
  return withFreshDatabase(async (databaseUrl) => {
    const server = startNodeServer('baseline server', BASELINE_SCRIPT, await findFreePort(), { DATABASE_URL: databaseUrl });
    try {
      // It creates its table before listening, so any HTTP answer means ready.
      await waitUntilReady(server, '/', () => true);
      return await measureLoad({
        ...timing,
        baseUrl: server.baseUrl,
        connections,
        headers: { 'content-type': 'application/json' },
        nextRequest: () => ({ path: '/baseline', body: HAND_OVER_EVENT }),
      });
    } finally {
      await server.stop();
    }
  });
}

export async function hubSingleEvents(
  engine: Engine,
  timing: Timing,
  connections: number,
  dossierCount: number,
): Promise<HubLoadResult> {
  const run = await onEngine(engine, (databaseUrl) => withHub(`hub (single events, ${engine})`, databaseUrl, async (hub) => {
    const token = await fetchAccessToken(hub);
    const codes = dossierCodes(dossierCount);
    await prepareDossiers(hub, token, codes);
    const nextCode = rotating(codes);
    return measureLoad({
      ...timing,
      baseUrl: hub.baseUrl,
      connections,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      nextRequest: () => ({ path: `/v1/dossiers/${nextCode()}/events`, body: HAND_OVER_EVENT }),
    });
  }));
  return { ...run.value, maxRssMb: run.maxRssMb };
}

/**
 * Batches of hand-overs for POST /v1/dossier-events, `batchSize` events each. They are disjoint
 * windows of consecutive dossiers, as one system's batches mostly are (the hub applies batches
 * that share a dossier one after the other, to keep its order).
 */
export function batchBodies(codes: readonly string[], batchSize: number): Buffer<ArrayBuffer>[] {
  return Array.from({ length: Math.floor(codes.length / batchSize) }, (_, batch) => {
    const window = codes.slice(batch * batchSize, (batch + 1) * batchSize);
    const events = window.map((dossierCode) => ({ dossierCode, status: 'PROCESSING', occurredAt: LOAD_OCCURRED_AT }));
    return Buffer.from(JSON.stringify({ events }));
  });
}

/** Items of a 200 batch answer that were refused one by one; the whole batch when the answer is unreadable. */
export function countRefusedItems(body: string, batchSize: number): number {
  try {
    const { results } = JSON.parse(body) as { results?: Array<{ status: number }> };
    return results?.filter((item) => item.status >= 300).length ?? batchSize;
  } catch {
    return batchSize;
  }
}

export async function hubBatchEvents(timing: Timing, connections: number, dossierCount: number): Promise<BatchLoadResult> {
  let refusedItems = 0;
  const run = await withFreshDatabase((databaseUrl) => withHub('hub (batch, postgres)', databaseUrl, async (hub) => {
    const token = await fetchAccessToken(hub);
    const codes = dossierCodes(dossierCount);
    await prepareDossiers(hub, token, codes);
    const nextBody = rotating(batchBodies(codes, BATCH_SIZE));
    return measureLoad({
      ...timing,
      baseUrl: hub.baseUrl,
      connections,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      nextRequest: () => ({ path: '/v1/dossier-events', body: nextBody() }),
      onResponse: (status, body) => {
        if (status === 200) refusedItems += countRefusedItems(body, BATCH_SIZE);
      },
    });
  }));
  return {
    ...run.value,
    maxRssMb: run.maxRssMb,
    eventsPerSecond: run.value.successfulRequestsPerSecond * BATCH_SIZE,
    refusedItems,
  };
}
