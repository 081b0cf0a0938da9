// Conformance of the Kafka test broker (test/support/kafka) with two real clients, kafkajs and
// librdkafka through Debian's kcat, and with hand-made requests for what clients never send.
import { execFile } from 'node:child_process';
import net from 'node:net';
import zlib from 'node:zlib';
import { CompressionTypes, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { type Fault, KafkaTestBroker, type StoredRecord } from '../support/kafka/broker';
import { crc32c } from '../support/kafka/crc32c';
import { ApiKey, ErrorCode, Reader, Writer } from '../support/kafka/protocol';
import { encodeRecordBatch } from '../support/kafka/record-batch';

let broker: KafkaTestBroker;
beforeAll(async () => {
  broker = await KafkaTestBroker.start();
});
afterAll(() => broker.stop());
afterEach(() => jest.restoreAllMocks());

function idempotentProducer(): Producer {
  const kafka = new Kafka({ clientId: 'conformance', brokers: [broker.address], logLevel: logLevel.NOTHING });
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 10 },
  });
}

const text = (buffer: Buffer | null | undefined) => buffer?.toString('utf8');
const values = (records: StoredRecord[]) => records.map((r) => text(r.value));

/** Records grouped by partition, checking that each partition's offsets run 0, 1, 2… in append order. */
function byPartition(records: StoredRecord[]): Map<number, StoredRecord[]> {
  const partitions = new Map<number, StoredRecord[]>();
  for (const record of records) partitions.set(record.partition, [...(partitions.get(record.partition) ?? []), record]);
  for (const list of partitions.values()) expect(list.map((r) => r.offset)).toEqual(list.map((_, i) => i));
  return partitions;
}

describe('with kafkajs 2.2.4 (idempotent, acks=-1)', () => {
  let producer: Producer;
  beforeAll(async () => {
    producer = idempotentProducer();
    await producer.connect();
  });
  afterAll(() => producer.disconnect());

  it('stores keyed messages with headers on two topics, in order per partition', async () => {
    const EPOCH = Date.parse('2026-11-24T09:00:00Z');
    const messages = (topic: string): Message[] =>
      ['k1', 'k2', 'k3', 'k4', 'k5'].flatMap((key) =>
        [1, 2, 3].map((n) => ({ key, value: `${topic}/${key}/${n}`, timestamp: String(EPOCH + n), headers: { 'event-type': `type-${n}`, source: topic } })),
      );
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: 'orders', messages: messages('orders') }, { topic: 'payments', messages: messages('payments') }] });
    await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'k1', value: 'orders/k1/4', timestamp: String(EPOCH + 4), headers: { 'event-type': 'type-4', source: 'orders' } }] });

    for (const topic of ['orders', 'payments']) {
      const records = broker.records(topic);
      const sent = [...messages(topic), ...(topic === 'orders' ? [{ key: 'k1', value: 'orders/k1/4' }] : [])];
      expect(records).toHaveLength(sent.length);
      for (const record of records) {
        const [, key, n] = text(record.value)!.split('/');
        expect(text(record.key)).toBe(key);
        expect(record.timestamp).toBe(EPOCH + Number(n));
        expect(text(record.headers['event-type'])).toBe(`type-${n}`);
        expect(text(record.headers.source)).toBe(topic);
        expect(record.producerId).toBeGreaterThan(0);
      }
      // Each key stays on one partition, where its messages keep the order they were sent in.
      for (const list of byPartition(records).values()) {
        for (const key of new Set(list.map((r) => text(r.key)))) {
          const mine = values(list.filter((r) => text(r.key) === key));
          expect(mine).toEqual(sent.filter((m) => m.key === key).map((m) => m.value));
          expect(values(records.filter((r) => text(r.key) === key))).toEqual(mine);
        }
      }
    }
  });

  it('decompresses gzip batches', async () => {
    const gunzip = jest.spyOn(zlib, 'gunzipSync');
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: 'same-key', value: `gzip-${i} ${'x'.repeat(100)}` }));
    await producer.send({ topic: 'gzipped', acks: -1, compression: CompressionTypes.GZIP, messages });
    expect(gunzip).toHaveBeenCalled();
    expect(values(broker.records('gzipped'))).toEqual(messages.map((m) => m.value));
  });

  it('lets a test wait for records still on their way, and says what is missing when they do not come', async () => {
    const waiting = broker.waitForRecords(2, { topic: 'awaited', timeoutMs: 2000 });
    await producer.send({ topic: 'awaited', acks: -1, messages: [{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }] });
    expect(values(await waiting)).toEqual(['one', 'two']);
    await expect(broker.waitForRecords(3, { topic: 'awaited', timeoutMs: 50 })).rejects.toThrow('waited 50 ms for 3 records on topic awaited; 2 arrived');
  });

  describe('survives faults with every record stored exactly once, in order', () => {
    const expected: string[] = [];
    async function send(label: string): Promise<void> {
      const batch = [`${label}-1`, `${label}-2`, `${label}-3`];
      expected.push(...batch);
      await producer.send({ topic: 'faults', acks: -1, messages: batch.map((value) => ({ key: 'one-partition', value })) });
    }
    afterEach(() => {
      expect(values(broker.records('faults'))).toEqual(expected);
      byPartition(broker.records('faults'));
    });

    it.each<[string, Fault]>([
      ['a connection dropped before the append', { kind: 'drop-connection', api: 'Produce' }],
      ['a connection dropped after the append (published, not acknowledged)', { kind: 'drop-connection', api: 'Produce', afterAppend: true }],
      ['NOT_LEADER_OR_FOLLOWER twice', { kind: 'error', api: 'Produce', code: 'NOT_LEADER_OR_FOLLOWER', times: 2 }],
      ['REQUEST_TIMED_OUT', { kind: 'error', api: 'Produce', code: 'REQUEST_TIMED_OUT' }],
    ])('%s', async (label, fault) => {
      await send('before');
      const injected = broker.inject(fault);
      await send(label);
      expect(injected.remaining).toBe(0);
      await send('after');
    });

    it('a delayed answer', async () => {
      const injected = broker.inject({ kind: 'delay', api: 'Produce', ms: 400 });
      const started = Date.now();
      await send('delayed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(injected.remaining).toBe(0);
    });

    it('the broker being down for a while', async () => {
      await send('before-pause');
      await broker.pause();
      const [host, port] = broker.address.split(':');
      await expect(new Promise((resolve, reject) => net.connect(Number(port), host, () => resolve('connected')).on('error', reject))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const sending = send('while-down');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await broker.resume();
      await broker.resume(); // a no-op once it is up
      await sending;
    });
  });
});

/** One request over a fresh connection; answers the body after the correlation id. */
async function rawRequest(apiKey: number, version: number, body: Writer, flexibleHeader = false): Promise<Reader> {
  const header = new Writer().int16(apiKey).int16(version).int32(7).nullableString('raw-client');
  if (flexibleHeader) header.emptyTaggedFields();
  const request = Buffer.concat([header.toBuffer(), body.toBuffer()]);
  const [host, port] = broker.address.split(':');
  const socket = net.connect(Number(port), host);
  socket.write(new Writer().int32(request.length).raw(request).toBuffer());
  let received = Buffer.alloc(0);
  for await (const chunk of socket) {
    received = Buffer.concat([received, chunk as Buffer]);
    if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) break;
  }
  socket.destroy();
  if (received.length < 8) throw new Error('the broker closed the connection without answering');
  const response = new Reader(received.subarray(4));
  expect(response.int32()).toBe(7);
  return response;
}

/** Produce v3 of one batch to one partition, acks=-1; answers that partition's error code and base offset. */
async function produce(topic: string, batch: Buffer): Promise<{ errorCode: number; baseOffset: number }> {
  await rawRequest(ApiKey.Metadata, 4, new Writer().array([topic], (w, t) => w.nullableString(t)).boolean(true)); // creates the topic
  const body = new Writer().nullableString(null).int16(-1).int32(5000);
  body.array([topic], (w, t) => w.nullableString(t).array([batch], (p, b) => p.int32(0).nullableBytes(b)));
  const response = await rawRequest(ApiKey.Produce, 3, body);
  const [result] = response.array((t) => {
    t.string();
    return t.array((p) => {
      p.int32();
      const answer = { errorCode: p.int16(), baseOffset: p.int64() };
      p.int64(); // log_append_time
      return answer;
    });
  });
  return result![0]!;
}

describe('hand-made requests', () => {
  const record = { key: Buffer.from('k'), value: Buffer.from('v'), headers: { h: Buffer.from('1') } };

  it('refuses a batch whose CRC-32C does not match with CORRUPT_MESSAGE, and stores the intact one', async () => {
    const batch = encodeRecordBatch([record]);
    const corrupted = Buffer.from(batch);
    corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 0x01, corrupted.length - 1); // the last header value's byte
    expect(await produce('crc', corrupted)).toEqual({ errorCode: 2, baseOffset: -1 }); // CORRUPT_MESSAGE
    expect(broker.records('crc')).toEqual([]);
    expect(await produce('crc', batch)).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 0 });
    expect(broker.records('crc')).toMatchObject([{ key: record.key, value: record.value, headers: record.headers, offset: 0 }]);
  });

  it('decodes a gzip batch and refuses a codec it does not support', async () => {
    expect(await produce('codecs', encodeRecordBatch([record, record], { gzip: true }))).toEqual({ errorCode: 0, baseOffset: 0 });
    const snappy = encodeRecordBatch([record]);
    snappy.writeInt16BE(2, 21); // attributes: codec 2
    snappy.writeUInt32BE(crc32c(snappy.subarray(21)), 17);
    expect(await produce('codecs', snappy)).toEqual({ errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, baseOffset: -1 });
    expect(broker.records('codecs')).toHaveLength(2);
  });

  it('acknowledges a resent batch with its first offset without storing it again, and refuses a sequence gap', async () => {
    const init = await rawRequest(ApiKey.InitProducerId, 1, new Writer().nullableString(null).int32(60_000));
    init.int32(); // throttle_time_ms
    expect(init.int16()).toBe(ErrorCode.NONE);
    const producerId = init.int64();
    expect(init.int16()).toBe(0); // epoch
    const batch = (baseSequence: number) => encodeRecordBatch([record, record], { producerId, baseSequence });
    expect(await produce('sequences', batch(0))).toEqual({ errorCode: 0, baseOffset: 0 });
    expect(await produce('sequences', batch(2))).toEqual({ errorCode: 0, baseOffset: 2 });
    expect(await produce('sequences', batch(0))).toEqual({ errorCode: 0, baseOffset: 0 });
    expect(await produce('sequences', batch(5))).toEqual({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 });
    expect(broker.records('sequences').map((r) => r.offset)).toEqual([0, 1, 2, 3]);
  });

  it('drops connections before or after the append, and answers injected errors, as often as asked', async () => {
    const batch = () => encodeRecordBatch([record]);
    broker.inject({ kind: 'drop-connection', api: 'Produce' });
    await expect(produce('injected', batch())).rejects.toThrow();
    expect(broker.records('injected')).toHaveLength(0);
    broker.inject({ kind: 'drop-connection', api: 'Produce', afterAppend: true });
    await expect(produce('injected', batch())).rejects.toThrow();
    expect(broker.records('injected')).toHaveLength(1);
    broker.inject({ kind: 'error', api: 'Produce', code: 'REQUEST_TIMED_OUT', times: 2 });
    broker.inject({ kind: 'error', api: 'Produce', code: 'NOT_LEADER_OR_FOLLOWER' });
    expect(await produce('injected', batch())).toEqual({ errorCode: ErrorCode.REQUEST_TIMED_OUT, baseOffset: -1 });
    expect(await produce('injected', batch())).toEqual({ errorCode: ErrorCode.REQUEST_TIMED_OUT, baseOffset: -1 });
    expect(await produce('injected', batch())).toEqual({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1 });
    expect(await produce('injected', batch())).toEqual({ errorCode: ErrorCode.NONE, baseOffset: 1 });
    expect(broker.records('injected')).toHaveLength(2);
  });

  it('answers ApiVersions v3 (flexible header), and a version it lacks with a v0 UNSUPPORTED_VERSION answer', async () => {
    const v3 = await rawRequest(ApiKey.ApiVersions, 3, new Writer().compactString('raw').compactString('1.0').emptyTaggedFields(), true);
    expect(v3.int16()).toBe(ErrorCode.NONE);
    const ranges: Record<number, [number, number]> = {};
    for (let n = v3.uvarint() - 1; n > 0; n--) {
      ranges[v3.int16()] = [v3.int16(), v3.int16()];
      v3.skipTaggedFields();
    }
    expect(ranges).toEqual({ 0: [0, 7], 1: [4, 4], 3: [4, 6], 18: [0, 3], 22: [0, 1] });

    const future = await rawRequest(ApiKey.ApiVersions, 9, new Writer().compactString('raw').compactString('1.0').emptyTaggedFields(), true);
    expect(future.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(future.array((r) => [r.int16(), r.int16(), r.int16()])).toContainEqual([18, 0, 3]);
    expect(future.remaining).toBe(0); // v0: no throttle time
  });
});

describe('with librdkafka (Debian kcat)', () => {
  function kcat(args: string[], input = ''): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile('kcat', ['-b', broker.address, ...args], { timeout: 10_000 }, (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error('kcat is not installed: apt-get install -y kcat'));
        else if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${stderr}`));
        else resolve(stdout);
      });
      child.stdin!.end(input);
    });
  }

  it('produces keyed lines with headers, idempotently', async () => {
    await kcat(['-P', '-t', 'kcat-plain', '-K:', '-H', 'source=kcat', '-X', 'enable.idempotence=true'], 'a:first\nb:second\na:third\n');
    const records = broker.records('kcat-plain');
    expect(records.map((r) => `${text(r.key)}:${text(r.value)}`).sort()).toEqual(['a:first', 'a:third', 'b:second']);
    expect(records.every((r) => text(r.headers.source) === 'kcat' && r.producerId > 0)).toBe(true);
    expect(values(records.filter((r) => text(r.key) === 'a'))).toEqual(['first', 'third']);
  });

  it('produces gzip batches, which it consumes back through Fetch', async () => {
    const gunzip = jest.spyOn(zlib, 'gunzipSync');
    const lines = ['k1:' + 'a'.repeat(200), 'k2:' + 'b'.repeat(200), 'k1:short'];
    const more = ['k3:' + 'c'.repeat(200), 'k1:last'];
    // Two runs, two batches: the second's offsets depend on the base offset the broker wrote into it.
    await kcat(['-P', '-t', 'kcat-gzip', '-p', '0', '-K:', '-z', 'gzip'], lines.join('\n') + '\n');
    await kcat(['-P', '-t', 'kcat-gzip', '-p', '0', '-K:', '-z', 'gzip'], more.join('\n') + '\n');
    expect(gunzip).toHaveBeenCalled();
    expect(broker.records('kcat-gzip').map((r) => `${text(r.key)}:${text(r.value)}`)).toEqual([...lines, ...more]);
    const consumed = await kcat(['-C', '-t', 'kcat-gzip', '-p', '0', '-o', '0', '-e', '-q', '-f', '%o %k:%s\\n', '-X', 'fetch.wait.max.ms=50']);
    expect(consumed.trim().split('\n')).toEqual([...lines, ...more].map((line, offset) => `${offset} ${line}`));
  });
});
