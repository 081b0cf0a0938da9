import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BackgroundLoop } from '../background-loop';
import type { Config } from '../config';
import type { Database } from '../db/schema';
import { type FeedEvent, advanceConsumer, consumerLag, leaseConsumer, readFeed, releaseConsumer } from './feed';
import { KafkaPublisher } from './kafka-publisher';
import type { AggregateType } from './outbox';
import type { EventMessage, EventPublisher } from './publisher';

/**
 * The Kafka relay: publishes the feed, in feed (commit) order, from where it last stopped,
 * and records its position only once the broker has acknowledged. A crash between the two
 * publishes those events again (at least once; consumers dedupe on `ce_id`), never zero times.
 * One relay publishes at a time across hub nodes and relay processes: it holds the 'kafka'
 * consumer's lease, renewed on every round, and its position write is fenced by the lease.
 * While the broker is down it backs off (exponential, jittered); events wait in the outbox.
 */
export interface RelayOptions {
  db: Kysely<Database>;
  publisher: EventPublisher;
  topics: Record<AggregateType, string>;
  log: FastifyBaseLogger;
  registry: Registry;
  /** Events per publish. */
  batchSize?: number;
  /** How long a silent holder keeps the lease; longer than one round can take. */
  leaseMs?: number;
  /** Poll interval while there is nothing to publish (a sealer round wakes it sooner). */
  idleMs?: number;
  /** While there is nothing to publish, the broker is asked whether it answers at least this often. */
  probeMs?: number;
}

export type RelayState = 'starting' | 'publishing' | 'failing' | 'standby';

export interface RelayStatus {
  state: RelayState;
  since: Date;
  lastError?: string;
  lastPublishedAt?: Date;
}

const DEFAULT_BATCH = 2000;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_IDLE_MS = 250;
const DEFAULT_PROBE_MS = 5000;

export class Relay {
  private readonly loop: BackgroundLoop;
  private readonly holder = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private current: RelayStatus = { state: 'starting', since: new Date() };
  /** When a broker last answered (an acknowledged publish or a probe), epoch ms. */
  private lastContact = 0;
  private readonly published: Counter<'topic'>;
  private readonly latency: Histogram;

  constructor(private readonly options: RelayOptions) {
    const { registry } = options;
    this.published = new Counter({ name: 'hub_events_published_total', help: 'Events the broker acknowledged, by topic', labelNames: ['topic'] as const, registers: [registry] });
    this.latency = new Histogram({
      name: 'hub_event_publish_latency_seconds',
      help: 'From the commit of an event to its acknowledgement by Kafka',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    const db = options.db;
    let scrape: Promise<{ events: number; oldestAgeSeconds: number }> | undefined;
    const lag = () => (scrape ??= consumerLag(db, 'kafka').finally(() => (scrape = undefined)));
    new Gauge({
      name: 'hub_relay_lag_events',
      help: 'Events in the feed not yet acknowledged by Kafka',
      registers: [registry],
      async collect() {
        this.set((await lag()).events);
      },
    });
    new Gauge({
      name: 'hub_relay_lag_seconds',
      help: 'Age of the oldest event not yet acknowledged by Kafka',
      registers: [registry],
      async collect() {
        this.set((await lag()).oldestAgeSeconds);
      },
    });
    this.loop = new BackgroundLoop({
      name: 'kafka relay',
      idleMs: options.idleMs ?? DEFAULT_IDLE_MS,
      // At most 5 s between attempts: once the broker is back, the backlog must start draining at once.
      backoff: { initialMs: 200, maxMs: 5000 },
      step: () => this.round(),
      onError: (error, retryInMs) => {
        this.setState('failing', (error as Error).message);
        options.log.warn({ err: error, retryInMs }, 'publishing to Kafka failed; events wait in the outbox');
      },
      onRecovered: () => options.log.info('publishing to Kafka again'),
    });
  }

  get status(): RelayStatus {
    return this.current;
  }

  start(): void {
    this.loop.start();
  }

  /** New events are in the feed. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await releaseConsumer(this.options.db, 'kafka', this.holder).catch(() => undefined);
    await this.options.publisher.close().catch(() => undefined);
  }

  /** One publish round; true when there may be more to publish right away. */
  private async round(): Promise<boolean> {
    const { db, publisher } = this.options;
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH;
    const position = await leaseConsumer(db, 'kafka', this.holder, this.options.leaseMs ?? DEFAULT_LEASE_MS);
    if (position === undefined) {
      this.setState('standby');
      return false;
    }
    const events = await readFeed(db, position, batchSize);
    if (events.length === 0) {
      // Nothing to publish says nothing about the broker: readiness must not report one that nobody
      // has reached lately (at start, or gone while idle), nor a failure the broker has recovered from.
      if (this.current.state !== 'publishing' || Date.now() - this.lastContact >= (this.options.probeMs ?? DEFAULT_PROBE_MS)) {
        await publisher.probe();
        this.lastContact = Date.now();
      }
      this.setState('publishing');
      return false;
    }
    await publisher.publish(events.map((e) => this.message(e)));
    const acknowledgedAt = Date.now();
    this.lastContact = acknowledgedAt;
    if (!(await advanceConsumer(db, 'kafka', events.at(-1)!.position, this.holder))) {
      // Another relay took the lease while this round ran (it was slower than the lease): it
      // publishes from the recorded position, so these events may go out twice, never zero times.
      this.options.log.warn('the Kafka relay lost its lease during a round; another relay continues');
      this.setState('standby');
      return false;
    }
    for (const event of events) {
      this.published.inc({ topic: this.options.topics[event.aggregateType] });
      this.latency.observe((acknowledgedAt - event.createdAt.getTime()) / 1000);
    }
    this.setState('publishing');
    this.current.lastPublishedAt = new Date(acknowledgedAt);
    return events.length === batchSize;
  }

  private message(event: FeedEvent): EventMessage {
    return {
      topic: this.options.topics[event.aggregateType],
      key: event.aggregateId,
      value: event.payload,
      headers: { ce_id: event.eventId, ce_type: event.eventType, ce_source: event.source, ce_requestid: event.requestId },
    };
  }

  private setState(state: RelayState, lastError?: string): void {
    if (this.current.state !== state) this.current = { state, since: new Date(), ...(this.current.lastPublishedAt ? { lastPublishedAt: this.current.lastPublishedAt } : {}) };
    if (lastError !== undefined) this.current.lastError = lastError;
    else if (state === 'publishing') delete this.current.lastError;
  }
}

/** The relay the configuration asks for: kafkajs to KAFKA_BROKERS, topics per aggregate. */
export function kafkaRelay(config: Config, db: Kysely<Database>, log: FastifyBaseLogger, registry: Registry): Relay {
  return new Relay({
    db,
    log,
    registry,
    publisher: new KafkaPublisher({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, log }),
    topics: { dossier: config.kafkaTopicDossiers, payment: config.kafkaTopicPayments },
  });
}
