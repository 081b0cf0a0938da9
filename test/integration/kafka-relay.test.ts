import pino from 'pino';
import { Registry } from 'prom-client';
import type { FastifyBaseLogger } from 'fastify';
import { KafkaPublisher } from '../../src/events/kafka-publisher';
import type { EventMessage, EventPublisher } from '../../src/events/publisher';
import { Relay } from '../../src/events/relay';
import { describeEachEngine } from '../support/databases';
import { KafkaTestBroker, type StoredRecord } from '../support/kafka/broker';
import { until } from '../support/until';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

const silent = pino({ level: 'silent' }) as FastifyBaseLogger;

interface CloudEvent {
  id: string;
  type: string;
  subject: string;
  source: string;
  requestid: string;
  data: Record<string, unknown>;
}

const valueOf = (record: StoredRecord) => JSON.parse(record.value!.toString()) as CloudEvent;
const headersOf = (record: StoredRecord) => Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString()]));

/** Each dossier's events in the order Kafka holds them, duplicates (at-least-once) removed by `ce_id` as a consumer would. */
function deduplicatedByKey(records: readonly StoredRecord[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const record of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const id = headersOf(record).ce_id!;
    if (seen.has(id)) continue;
    seen.add(id);
    const key = record.key!.toString();
    byKey.set(key, [...(byKey.get(key) ?? []), id]);
  }
  return byKey;
}

describeEachEngine('Kafka relay', (engine) => {
  let broker: KafkaTestBroker;
  let hub: TestHub;
  let h26: ReturnType<typeof as>;
  let portal: ReturnType<typeof as>;

  beforeAll(async () => {
    broker = await KafkaTestBroker.start();
    hub = await startTestHub(engine, { env: { KAFKA_BROKERS: broker.address } });
    h26 = as(hub.app, await hub.token('hanoi'));
    portal = as(hub.app, await hub.token('portal'));
  });
  afterAll(async () => {
    await hub.close();
    await broker.stop();
  });

  /** Creates a dossier and moves it through `steps` events; returns its code. */
  async function dossierWithEvents(steps: string[] = ['RECEIVED', 'PROCESSING', 'PROCESSING']): Promise<string> {
    const code = newDossierCode();
    expect((await h26.put(`/v1/dossiers/${code}`, dossierHeader())).statusCode).toBe(201);
    for (const [i, status] of steps.entries()) {
      const answer = await h26.post(`/v1/dossiers/${code}/events`, { status, occurredAt: `2026-11-24T09:0${i}:00+07:00`, sequence: i + 1 }, { 'x-request-id': `req-${code}-${i}` });
      expect(answer.statusCode).toBe(201);
    }
    return code;
  }

  /** Seals, wakes the relay, and polls /health/ready until `matches` holds for its body. */
  async function readinessOnce(what: string, matches: (body: { kafka: { unpublished: number }; checks: { kafka: { status: string } } }) => boolean, timeoutMs = 10_000) {
    await hub.app.hub.sealer.flush();
    hub.app.hub.relay!.wake();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ready = await hub.app.inject({ method: 'GET', url: '/health/ready' });
      if (matches(ready.json())) return ready;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${ready.body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The dossier's events as GET /v1/events serves them. */
  async function publishedFeed(code: string): Promise<CloudEvent[]> {
    await hub.app.hub.sealer.flush();
    const events: CloudEvent[] = [];
    for (let after = '', items: CloudEvent[] = []; ; ) {
      const page = await portal.get(`/v1/events?limit=500${after ? `&after=${after}` : ''}`);
      expect(page.statusCode).toBe(200);
      ({ items, nextCursor: after } = page.json() as { items: CloudEvent[]; nextCursor: string });
      if (items.length === 0) return events;
      events.push(...items.filter((e) => e.subject === code));
    }
  }

  async function recordsOf(code: string, count: number): Promise<StoredRecord[]> {
    await hub.app.hub.sealer.flush();
    hub.app.hub.relay!.wake();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const records = broker.records('dossier-events').filter((r) => r.key?.toString() === code);
      if (new Set(records.map((r) => headersOf(r).ce_id)).size >= count) return records;
      if (Date.now() > deadline) throw new Error(`only ${records.length} of ${count} events of ${code} reached Kafka`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('publishes every accepted change to its topic, keyed by dossier code, in order, with the CloudEvent and ce_ headers', async () => {
    const code = await dossierWithEvents();
    const records = await recordsOf(code, 4);
    const feed = await publishedFeed(code);
    expect(feed.map((e) => e.type)).toEqual([
      'vn.gov.dvc.dossier.upserted.v1',
      'vn.gov.dvc.dossier.status_changed.v1',
      'vn.gov.dvc.dossier.status_changed.v1',
      'vn.gov.dvc.dossier.status_changed.v1',
    ]);
    // One key → one partition, in feed order, each exactly once when nothing failed.
    expect(new Set(records.map((r) => r.partition)).size).toBe(1);
    expect(records.map(valueOf)).toEqual(feed);
    const headers = records.map(headersOf);
    expect(headers[1]).toEqual({ ce_id: feed[1]!.id, ce_type: 'vn.gov.dvc.dossier.status_changed.v1', ce_source: '/parties/000.00.00.H26', ce_requestid: `req-${code}-0` });
    expect(records.every((r) => r.topic === 'dossier-events')).toBe(true);
  });

  it('reports Kafka in readiness and its lag', async () => {
    await dossierWithEvents(['RECEIVED']);
    const ready = await readinessOnce('the relay to catch up', (body) => body.kafka.unpublished === 0);
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.kafka).toEqual({ status: 'ok', detail: `publishing to ${broker.address}` });
    const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/hub_events_published_total\{topic="dossier-events"\} [1-9]/);
    expect(metrics).toMatch(/hub_relay_lag_events 0/);
  });

  it.each([
    ['the connection dropped before the answer', { kind: 'drop-connection', api: 'Produce' }],
    ['the connection dropped after the broker appended', { kind: 'drop-connection', api: 'Produce', afterAppend: true }],
    ['NOT_LEADER_OR_FOLLOWER', { kind: 'error', api: 'Produce', code: 'NOT_LEADER_OR_FOLLOWER', times: 2 }],
    ['REQUEST_TIMED_OUT', { kind: 'error', api: 'Produce', code: 'REQUEST_TIMED_OUT' }],
    ['a slow broker', { kind: 'delay', api: 'Produce', ms: 300 }],
  ] as const)('loses nothing and keeps each dossier in order when %s', async (_name, fault) => {
    const injected = broker.inject(fault);
    const codes = [await dossierWithEvents(), await dossierWithEvents()];
    for (const code of codes) {
      const records = await recordsOf(code, 4);
      expect(deduplicatedByKey(records).get(code)).toEqual((await publishedFeed(code)).map((e) => e.id));
    }
    expect(injected.remaining).toBe(0);
  });

  it('says the broker is down while there is nothing to publish, and that it is back', async () => {
    await readinessOnce('the relay to catch up', (body) => body.kafka.unpublished === 0 && body.checks.kafka.status === 'ok');
    await broker.pause();
    try {
      // The relay asks the idle broker every 5 s; kafkajs retries before giving up.
      const down = await readinessOnce('readiness to notice the idle broker is gone', (body) => body.checks.kafka.status === 'degraded', 20_000);
      expect(down.json().kafka.unpublished).toBe(0);
    } finally {
      await broker.resume();
    }
    await readinessOnce('readiness to see the broker back', (body) => body.checks.kafka.status === 'ok', 20_000);
  });

  it('keeps accepting while the broker is down, says so, and catches up when it is back', async () => {
    await broker.pause();
    try {
      const code = await dossierWithEvents();
      const ready = await readinessOnce('readiness to say Kafka is down', (body) => body.checks.kafka.status === 'degraded');
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.kafka.detail).toMatch(/events wait in the outbox/);
      expect(ready.json().kafka.unpublished).toBeGreaterThanOrEqual(4);
      await broker.resume();
      const records = await recordsOf(code, 4);
      expect(deduplicatedByKey(records).get(code)).toEqual((await publishedFeed(code)).map((e) => e.id));
    } finally {
      await broker.resume();
    }
  });
});

describeEachEngine('Kafka relay instances', (engine) => {
  let broker: KafkaTestBroker;
  let hub: TestHub;
  let h26: ReturnType<typeof as>;

  beforeAll(async () => {
    broker = await KafkaTestBroker.start();
    // This hub runs no relay of its own: the tests start relays by hand on its database.
    hub = await startTestHub(engine, { env: { KAFKA_BROKERS: broker.address, RELAY_IN_PROCESS: 'false' } });
    h26 = as(hub.app, await hub.token('hanoi'));
  });
  afterAll(async () => {
    await hub.close();
    await broker.stop();
  });

  function relay(publisher: EventPublisher, leaseMs = 30_000): Relay {
    return new Relay({
      db: hub.app.hub.db,
      publisher,
      topics: { dossier: 'instances', payment: 'instances-payments' },
      log: silent,
      registry: new Registry(),
      leaseMs,
      idleMs: 20,
      probeMs: 50,
    });
  }
  const kafka = () => new KafkaPublisher({ brokers: [broker.address], clientId: 'test-relay', log: silent });

  async function acceptEvents(count: number): Promise<string[]> {
    const codes: string[] = [];
    for (let i = 0; i < count; i++) {
      const code = newDossierCode();
      await h26.put(`/v1/dossiers/${code}`, dossierHeader());
      codes.push(code);
    }
    await hub.app.hub.sealer.flush();
    return codes;
  }

  const idsIn = (topic: string) => broker.records(topic).map((r) => headersOf(r).ce_id!);

  it('resumes where it stopped after a restart, and two relays never publish the same event', async () => {
    await acceptEvents(5);
    const first = relay(kafka());
    const second = relay(kafka());
    first.start();
    second.start();
    await broker.waitForRecords(5, { topic: 'instances' });
    await acceptEvents(5);
    first.wake();
    second.wake();
    await broker.waitForRecords(10, { topic: 'instances' });
    expect([first.status.state, second.status.state].sort()).toEqual(['publishing', 'standby']);
    await first.stop();
    await second.stop();

    await acceptEvents(3);
    const restarted = relay(kafka());
    restarted.start();
    await broker.waitForRecords(13, { topic: 'instances' });
    await restarted.stop();
    const ids = idsIn('instances');
    expect(ids).toHaveLength(13);
    expect(new Set(ids).size).toBe(13);
  });

  it('does not say it publishes before a broker has answered, even with nothing to publish', async () => {
    let brokerAnswers = false;
    const probed: EventPublisher = {
      publish: async () => undefined,
      probe: async () => {
        if (!brokerAnswers) throw new Error('connect ECONNREFUSED');
      },
      close: async () => undefined,
    };
    const lonely = relay(probed);
    lonely.start();
    try {
      await until('the relay to report the unreachable broker', () => lonely.status.state === 'failing', { wake: () => lonely.wake() });
      expect(lonely.status.lastError).toBe('connect ECONNREFUSED');
      brokerAnswers = true;
      await until('the relay to report the broker back', () => lonely.status.state === 'publishing', { wake: () => lonely.wake() });
    } finally {
      await lonely.stop();
    }
  });

  it('publishes again, never zero times, what a relay that died between publishing and recording had sent', async () => {
    const before = idsIn('instances').length;
    const codes = await acceptEvents(4);
    // The first relay publishes, then its process "dies": the round never records its position.
    let published!: () => void;
    const publishedOnce = new Promise<void>((resolve) => (published = resolve));
    const real = kafka();
    const dying: EventPublisher = {
      async publish(messages: readonly EventMessage[]) {
        await real.publish(messages);
        published();
        await new Promise(() => undefined); // never returns: the process is gone
      },
      probe: () => real.probe(),
      close: () => real.close(),
    };
    relay(dying, 300).start();
    await publishedOnce;
    expect(idsIn('instances').length - before).toBe(4);

    // Another relay takes the lease once it expires and publishes the same events again.
    const successor = relay(kafka(), 300);
    successor.start();
    await broker.waitForRecords(before + 8, { topic: 'instances' });
    await successor.stop();
    await real.close();
    const records = broker.records('instances').slice(before);
    for (const code of codes) {
      const twice = records.filter((r) => r.key!.toString() === code).map(headersOf);
      expect(twice).toHaveLength(2);
      expect(twice[1]).toEqual(twice[0]);
    }
  });
});
