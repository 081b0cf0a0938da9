/**
 * The APIs that kafkajs 2.2.4 and librdkafka (kcat) producers use, each in the range ApiVersions
 * advertises (one exception: see Produce). Clients pick the newest version both sides have.
 * Request/response layouts: https://kafka.apache.org/protocol#protocol_messages.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiKey, ErrorCode, Reader, Writer } from './protocol';
import { BatchError, decodeRecordBatch } from './record-batch';
import type { RecordStore } from './record-store';

export type ApiName = keyof typeof ApiKey;

export interface BrokerState {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly store: RecordStore;
  nextProducerId(): number;
}

export interface Api {
  name: ApiName;
  minVersion: number;
  maxVersion: number;
  /** Below minVersion when ApiVersions must claim more than is served (see Produce). */
  advertisedMinVersion?: number;
  /** First version whose request header is v2 (with tagged fields). */
  flexibleFrom: number;
  /**
   * The response body, or undefined when no response is due (Produce with acks=0).
   * `injectedError`: what a test asked Produce to answer instead of appending.
   */
  handle(body: Reader, version: number, broker: BrokerState, injectedError?: number): Writer | undefined | Promise<Writer>;
}

const apiVersions: Api = {
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  handle(_body, version) {
    // A client that asks for a version the broker lacks gets a v0 answer with UNSUPPORTED_VERSION
    // and the supported ranges, from which it picks a version it shares (KIP-511). The v3 request
    // body only names the client software, which is not needed here.
    if (version > apiVersions.maxVersion) return encodeApiVersions(0, ErrorCode.UNSUPPORTED_VERSION);
    return encodeApiVersions(version, ErrorCode.NONE);
  },
};

function encodeApiVersions(version: number, errorCode: number): Writer {
  const writer = new Writer().int16(errorCode);
  if (version >= 3) {
    writer.compactArray(APIS, (w, api) => w.int16(ApiKey[api.name]).int16(api.advertisedMinVersion ?? api.minVersion).int16(api.maxVersion).emptyTaggedFields());
    return writer.int32(0).emptyTaggedFields();
  }
  writer.array(APIS, (w, api) => w.int16(ApiKey[api.name]).int16(api.advertisedMinVersion ?? api.minVersion).int16(api.maxVersion));
  return version >= 1 ? writer.int32(0) : writer;
}

const metadata: Api = {
  name: 'Metadata',
  minVersion: 4, // what Kafka 4 keeps (KIP-896); the first with allow_auto_topic_creation
  maxVersion: 6,
  flexibleFrom: 9,
  handle(body, version, broker) {
    const requested = body.nullableArray((r) => r.string()); // null: all topics
    if (body.boolean()) requested?.forEach((name) => broker.store.createTopic(name));
    const names = requested ?? broker.store.topicNames();
    const writer = new Writer().int32(0); // throttle_time_ms
    writer.array([broker], (w, b) => w.int32(b.nodeId).nullableString(b.host).int32(b.port).nullableString(null)); // no rack
    writer.nullableString('kafka-test-broker').int32(broker.nodeId); // cluster_id, controller_id
    writer.array(names, (w, name) => {
      const partitions = broker.store.partitionCount(name) ?? 0;
      w.int16(partitions > 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).nullableString(name).boolean(false); // not internal
      // This broker leads every partition and is its only replica.
      w.array(Array.from({ length: partitions }, (_, i) => i), (p, index) => {
        p.int16(ErrorCode.NONE).int32(index).int32(broker.nodeId);
        p.array([broker.nodeId], (r, id) => r.int32(id)); // replicas
        p.array([broker.nodeId], (r, id) => r.int32(id)); // in-sync replicas
        if (version >= 5) p.array([], () => undefined); // offline replicas
      });
    });
    return writer;
  },
};

const initProducerId: Api = {
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 2,
  handle(_body, _version, broker) {
    // Every producer id is new, so its epoch starts at 0; transactions are not supported.
    return new Writer().int32(0).int16(ErrorCode.NONE).int64(broker.nextProducerId()).int16(0);
  },
};

const produce: Api = {
  name: 'Produce',
  minVersion: 3, // the first version that carries RecordBatch v2
  maxVersion: 7,
  // librdkafka compresses with gzip only if the broker offers Produce v0 (librdkafka#4956), so,
  // like Kafka 4 (KAFKA-18659), v0-v2 are advertised but refused. Clients pick the highest
  // version both sides have, so they never send them.
  advertisedMinVersion: 0,
  flexibleFrom: 9,
  handle(body, version, broker, injectedError) {
    body.nullableString(); // transactional_id
    const acks = body.int16();
    body.int32(); // timeout_ms: every append here is immediate
    const topics = body.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ index: p.int32(), records: p.nullableBytes() })),
    }));
    const responses = topics.map(({ name, partitions }) => ({
      name,
      partitions: partitions.map(({ index, records }) => ({ index, ...appendPartition(broker, name, index, records, injectedError) })),
    }));
    if (acks === 0) return undefined;
    const writer = new Writer().array(responses, (w, topic) =>
      w.nullableString(topic.name).array(topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode).int64(partition.baseOffset);
        p.int64(-1); // log_append_time_ms: -1 as the batches carry the producer's CreateTime
        if (version >= 5) p.int64(0); // log_start_offset: nothing is ever deleted
      }),
    );
    return writer.int32(0); // throttle_time_ms
  },
};

function appendPartition(
  broker: BrokerState,
  topic: string,
  index: number,
  records: Buffer | null,
  injectedError: number | undefined,
): { errorCode: number; baseOffset: number } {
  if (injectedError !== undefined) return { errorCode: injectedError, baseOffset: -1 };
  try {
    if (records === null) throw new BatchError(ErrorCode.CORRUPT_MESSAGE, 'null record set');
    return broker.store.append(topic, index, decodeRecordBatch(records), records);
  } catch (error) {
    if (error instanceof BatchError) return { errorCode: error.code, baseOffset: -1 };
    throw error;
  }
}

/**
 * Only for librdkafka: it sends RecordBatch v2 (and gzip) only to a broker that also offers Fetch
 * v4+, and magic-0 messages otherwise. Fetch v4 is therefore complete enough for a consumer that
 * starts at an absolute offset (`kcat -C -o 0`).
 */
const fetch: Api = {
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 4,
  flexibleFrom: 12,
  async handle(body, _version, broker) {
    body.int32(); // replica_id
    const maxWaitMs = body.int32();
    body.int32(); // min_bytes
    body.int32(); // max_bytes
    body.int8(); // isolation_level: nothing is transactional here
    const topics = body.array((t) => ({
      name: t.string(),
      partitions: t.array((p) => ({ index: p.int32(), offset: p.int64(), maxBytes: p.int32() })),
    }));
    const read = () =>
      topics.map(({ name, partitions }) => ({
        name,
        partitions: partitions.map((p) => ({ index: p.index, ...broker.store.read(name, p.index, p.offset, p.maxBytes) })),
      }));
    let answer = read();
    // Kafka holds an answer without records up to max_wait_ms so that consumers do not spin.
    if (answer.every((t) => t.partitions.every((p) => p.records.length === 0))) {
      await sleep(maxWaitMs);
      answer = read();
    }
    return new Writer().int32(0).array(answer, (w, topic) =>
      w.nullableString(topic.name).array(topic.partitions, (p, partition) => {
        p.int32(partition.index).int16(partition.errorCode).int64(partition.highWatermark);
        p.int64(partition.highWatermark); // last_stable_offset: no transactions, so the high watermark
        p.int32(-1); // aborted_transactions: null
        p.nullableBytes(partition.records);
      }),
    );
  },
};

export const APIS: readonly Api[] = [produce, fetch, metadata, apiVersions, initProducerId];
