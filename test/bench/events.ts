/**
 * The events scenarios: the hub's Kafka relay publishing the feed to the Kafka test broker
 * (kafka-broker-process.ts, a process of its own), on Postgres. Commit-to-acknowledged is
 * measured per event, from the broker's records: the broker's append time minus the
 * CloudEvent's `time`, which the hub sets as the commit transaction starts.
 * Webhook delivery, the feed's other consumer, is to get its scenario next to these.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from './children';
import { analyzeDatabase, withFreshDatabase } from './databases';
import { dossierCodes, fetchAccessToken, prepareDossiers, withHub } from './hub';
import { withBroker, type AcknowledgedEvents, type BenchBroker } from './kafka-broker';
import { percentile, startPacedLoad, type PacedLoadResult } from './load';
import { batchBodies, countRefusedItems, rotating, type Timing } from './scenarios';

/** Events per request in the offered-load scenarios: 50 requests/s make 5,000 events/s. */
const EVENTS_PER_REQUEST = 100;
const READINESS_POLL_MS = 250;
/** How long the relay may take to publish a backlog once the broker is up, back-off included (it waits up to 30 s). */
const DRAIN_LIMIT_MS = 180_000;
/** How long the outage scenario waits for the lag to reach zero, twice the target, before it reports that it did not. */
export const CATCH_UP_LIMIT_SECONDS = 120;

export interface RelayThroughputResult {
  /** Events in the feed, unpublished, when the broker came back. */
  backlogEvents: number;
  /** Distinct events the broker stored. */
  publishedEvents: number;
  /** From the first record appended to the last. */
  seconds: number;
  eventsPerSecond: number;
}

interface OfferedEventsResult extends PacedLoadResult {
  offeredEventsPerSecond: number;
  committedEventsPerSecond: number;
  /** Batch items the hub answered 200 for but refused one by one. */
  refusedItems: number;
}

export interface OfferedLoadResult extends OfferedEventsResult {
  /** Events committed during the measured run, and how many of them reached the broker. */
  committedEvents: number;
  acknowledgedEvents: number;
  commitToAckP50Ms: number;
  commitToAckP99Ms: number;
  /** The upper bound of the hub's own histogram bucket holding its p99, as a cross-check (ms; null past the last bucket). */
  hubHistogramP99BoundMs: number | null;
}

export interface OutageResult extends OfferedEventsResult {
  outageSeconds: number;
  /** Events in the feed the broker had not acknowledged when it came back. */
  backlogEvents: number;
  /** From the broker coming back to the readiness answer with `kafka.unpublished` 0; null if not within CATCH_UP_LIMIT_SECONDS. */
  catchUpSeconds: number | null;
  /** `kafka.unpublished` in the last readiness answer: 0 once caught up, else whether the relay was gaining or losing ground. */
  lastUnpublished: number;
}

interface Readiness {
  outbox?: { unsealed: number };
  kafka?: { unpublished: number; oldestAgeSeconds: number };
}

async function readiness(hub: Server): Promise<Readiness> {
  const response = await fetch(`${hub.baseUrl}/health/ready`);
  return (await response.json()) as Readiness;
}

/** Polls the readiness body until `done`; resolves with when it was seen (epoch ms), or undefined after `limitMs`. */
async function pollReadiness(hub: Server, done: (body: Readiness) => boolean, limitMs: number): Promise<number | undefined> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (done(await readiness(hub))) return Date.now();
    await sleep(READINESS_POLL_MS);
  }
  return undefined;
}

async function waitForReadiness(hub: Server, done: (body: Readiness) => boolean, what: string, limitMs = DRAIN_LIMIT_MS): Promise<void> {
  if ((await pollReadiness(hub, done, limitMs)) === undefined) {
    throw new Error(`${what} did not happen within ${limitMs / 1000} s; readiness: ${JSON.stringify(await readiness(hub))}`);
  }
}

const everythingPublished = (body: Readiness) => body.outbox?.unsealed === 0 && body.kafka?.unpublished === 0;

interface RelayHubOptions {
  label: string;
  dossierCount: number;
  /** The broker is down until the scenario resumes it. */
  brokerDownFromStart?: boolean;
}

/** A fresh database, analyzed once the dossiers are in PROCESSING, and a hub publishing to an empty broker. */
function withRelayHub<T>(
  { label, dossierCount, brokerDownFromStart = false }: RelayHubOptions,
  use: (hub: Server, broker: BenchBroker, token: string, codes: string[]) => Promise<T>,
): Promise<T> {
  return withBroker(async (broker) => {
    if (brokerDownFromStart) await broker.pause();
    const run = await withFreshDatabase((databaseUrl) =>
      withHub(
        label,
        databaseUrl,
        async (hub) => {
          const token = await fetchAccessToken(hub);
          const codes = dossierCodes(dossierCount);
          await prepareDossiers(hub, token, codes);
          await analyzeDatabase(databaseUrl);
          return use(hub, broker, token, codes);
        },
        { KAFKA_BROKERS: broker.address },
      ),
    );
    return run.value;
  });
}

/**
 * Relay throughput: the dossiers' creation events pile up in the outbox while the broker is
 * down from the start; once they are all in the feed the broker comes back, and the relay's
 * rate is taken from the broker's append times, first record to last. The relay's back-off
 * (it may wait up to 30 s before its next try) falls before the first record, outside it.
 */
export function relayThroughput(dossierCount: number): Promise<RelayThroughputResult> {
  return withRelayHub({ label: 'hub (Kafka relay throughput)', dossierCount, brokerDownFromStart: true }, async (hub, broker) => {
    await waitForReadiness(hub, (body) => body.outbox?.unsealed === 0, 'sealing the prepared events');
    const backlogEvents = (await readiness(hub)).kafka?.unpublished ?? 0;
    if (backlogEvents === 0) throw new Error('no events waited for Kafka: is the hub publishing (KAFKA_BROKERS)?');
    await broker.resume();
    // The broker is asked, not the hub: readiness polls would add database work to what is measured.
    const deadline = Date.now() + DRAIN_LIMIT_MS;
    while ((await broker.recordCount()) < backlogEvents) {
      if (Date.now() > deadline) throw new Error(`the relay did not publish ${backlogEvents} events within ${DRAIN_LIMIT_MS / 1000} s`);
      await sleep(READINESS_POLL_MS);
    }
    await waitForReadiness(hub, everythingPublished, 'the relay recording its position');
    const { appendedAt } = await broker.acknowledged();
    const first = appendedAt[0] ?? 0;
    const last = appendedAt.at(-1) ?? 0;
    // The first round's records were appended at `first`: the span from there covers the later rounds only.
    const firstRound = appendedAt.filter((at) => at === first).length;
    const seconds = (last - first) / 1000;
    return { backlogEvents, publishedEvents: appendedAt.length, seconds, eventsPerSecond: seconds > 0 ? (appendedAt.length - firstRound) / seconds : 0 };
  });
}

/** Cumulative counts of the hub's hub_event_publish_latency_seconds buckets, by upper bound in seconds. */
async function publishLatencyBuckets(hub: Server): Promise<Map<number, number>> {
  const text = await (await fetch(`${hub.baseUrl}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const [, bound, count] of text.matchAll(/^hub_event_publish_latency_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    buckets.set(bound === '+Inf' ? Infinity : Number(bound), Number(count));
  }
  return buckets;
}

/** The bucket bound (ms) under which 99% of the events observed between the two scrapes fall. */
function histogramP99BoundMs(before: Map<number, number>, after: Map<number, number>): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const observed = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const total = observed(Infinity);
  const bound = bounds.find((b) => observed(b) >= 0.99 * total);
  return bound === undefined || bound === Infinity ? null : bound * 1000;
}

function commitToAck(acknowledged: AcknowledgedEvents, fromMs: number, untilMs: number): number[] {
  return acknowledged.committedAt.flatMap((committedAt, i) =>
    committedAt >= fromMs && committedAt <= untilMs ? [(acknowledged.appendedAt[i] ?? 0) - committedAt] : [],
  );
}

function offeredEvents(load: PacedLoadResult, eventsPerSecond: number, refusedItems: number): OfferedEventsResult {
  return { ...load, offeredEventsPerSecond: eventsPerSecond, committedEventsPerSecond: load.successfulRequestsPerSecond * EVENTS_PER_REQUEST, refusedItems };
}

function pacedBatches(hub: Server, token: string, codes: readonly string[], eventsPerSecond: number, onRefused: (items: number) => void) {
  const nextBody = rotating(batchBodies(codes, EVENTS_PER_REQUEST));
  return {
    baseUrl: hub.baseUrl,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requestsPerSecond: eventsPerSecond / EVENTS_PER_REQUEST,
    nextRequest: () => ({ path: '/v1/dossier-events', body: nextBody() }),
    onResponse: (status: number, body: string) => {
      if (status === 200) onRefused(countRefusedItems(body, EVENTS_PER_REQUEST));
    },
  };
}

/**
 * Commit to acknowledged under a steady offered load: batches of hand-overs at `eventsPerSecond`,
 * warm-up first; then, once everything is published, the latency of every event committed in the
 * measured run. The hub's own histogram is read before and after as a cross-check.
 */
export function commitToAckLatency(timing: Timing, dossierCount: number, eventsPerSecond: number): Promise<OfferedLoadResult> {
  return withRelayHub({ label: `hub (Kafka relay, ${eventsPerSecond} events/s)`, dossierCount }, async (hub, broker, token, codes) => {
    let refusedItems = 0;
    const plan = pacedBatches(hub, token, codes, eventsPerSecond, (items) => (refusedItems += items));
    const warmUp = startPacedLoad(plan);
    await sleep(timing.warmupSeconds * 1000);
    await warmUp.stop();
    await waitForReadiness(hub, everythingPublished, 'publishing the warm-up events');
    refusedItems = 0;
    const before = await publishLatencyBuckets(hub);
    const measured = startPacedLoad(plan);
    await sleep(timing.durationSeconds * 1000);
    const load = await measured.stop();
    await waitForReadiness(hub, everythingPublished, 'publishing the measured events');
    const after = await publishLatencyBuckets(hub);
    const latencies = commitToAck(await broker.acknowledged(), load.startedAtMs, load.stoppedAtMs);
    const committedEvents = load.successfulRequests * EVENTS_PER_REQUEST - refusedItems;
    return {
      ...offeredEvents(load, eventsPerSecond, refusedItems),
      committedEvents,
      acknowledgedEvents: latencies.length,
      commitToAckP50Ms: percentile(latencies, 50),
      commitToAckP99Ms: percentile(latencies, 99),
      hubHistogramP99BoundMs: histogramP99BoundMs(before, after),
    };
  });
}

/**
 * A broker outage under a steady offered load: after the warm-up the broker goes down for
 * `outageSeconds` while the hub keeps accepting, then comes back; the load goes on, and the
 * readiness body is polled until `kafka.unpublished` is 0 again.
 */
export function outageCatchUp(timing: Timing, dossierCount: number, eventsPerSecond: number, outageSeconds: number): Promise<OutageResult> {
  return withRelayHub({ label: `hub (Kafka outage, ${eventsPerSecond} events/s)`, dossierCount }, async (hub, broker, token, codes) => {
    let refusedItems = 0;
    const load = startPacedLoad(pacedBatches(hub, token, codes, eventsPerSecond, (items) => (refusedItems += items)));
    const outage = await brokerOutage(hub, broker, timing.warmupSeconds, outageSeconds).catch(async (error: unknown) => {
      await load.stop();
      throw error;
    });
    return { ...offeredEvents(await load.stop(), eventsPerSecond, refusedItems), outageSeconds, ...outage };
  });
}

async function brokerOutage(
  hub: Server,
  broker: BenchBroker,
  warmupSeconds: number,
  outageSeconds: number,
): Promise<Pick<OutageResult, 'backlogEvents' | 'catchUpSeconds' | 'lastUnpublished'>> {
  await sleep(warmupSeconds * 1000);
  await broker.pause();
  await sleep(outageSeconds * 1000);
  const backlogEvents = (await readiness(hub)).kafka?.unpublished ?? 0;
  await broker.resume();
  const resumedAt = Date.now();
  let lastUnpublished = backlogEvents;
  const caughtUpAt = await pollReadiness(hub, (body) => (lastUnpublished = body.kafka?.unpublished ?? lastUnpublished) === 0, CATCH_UP_LIMIT_SECONDS * 1000);
  return { backlogEvents, catchUpSeconds: caughtUpAt === undefined ? null : (caughtUpAt - resumedAt) / 1000, lastUnpublished };
}
