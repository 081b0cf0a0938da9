/** The broker's topics and logs, with the idempotent-producer bookkeeping of a real broker. */
import { ErrorCode } from './protocol';
import type { RecordBatch } from './record-batch';

export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  timestamp: number;
  producerId: number;
  /** The broker's clock (ms) when it appended the record: when the producer's acknowledgement became due. */
  appendedAt: number;
}

interface AppendedBatch {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
}

interface ProducerState {
  nextSequence: number;
  /** Kafka remembers the last 5 batches per producer and partition: the most an idempotent producer may have in flight. */
  recent: AppendedBatch[];
}

interface Partition {
  nextOffset: number;
  /** The batches as produced, with their broker-assigned base offset written in, ready for Fetch. */
  batches: { lastOffset: number; bytes: Buffer }[];
  producers: Map<number, ProducerState>;
}

interface Waiter {
  count: number;
  topic: string | undefined;
  resolve: () => void;
}

const REMEMBERED_BATCHES = 5;

export class RecordStore {
  private readonly topics = new Map<string, Partition[]>();
  private readonly log: StoredRecord[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly partitionsPerTopic: number) {}

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.length;
  }

  createTopic(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.set(
      topic,
      Array.from({ length: this.partitionsPerTopic }, () => ({ nextOffset: 0, batches: [], producers: new Map() })),
    );
  }

  /** Appends a batch, or recognises the retry of one already appended; answers an error code and the base offset. */
  append(topic: string, index: number, batch: RecordBatch, bytes: Buffer): { errorCode: number; baseOffset: number } {
    const partition = this.topics.get(topic)?.[index];
    if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 };
    if (batch.producerId >= 0) {
      const state = partition.producers.get(batch.producerId) ?? { nextSequence: 0, recent: [] };
      partition.producers.set(batch.producerId, state);
      const lastSequence = batch.baseSequence + batch.lastOffsetDelta;
      // A retry of an appended batch (its answer was lost): acknowledged with its first offset, not appended again.
      const duplicate = state.recent.find((b) => b.firstSequence === batch.baseSequence && b.lastSequence === lastSequence);
      if (duplicate) return { errorCode: ErrorCode.NONE, baseOffset: duplicate.baseOffset };
      if (batch.baseSequence !== state.nextSequence) return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1 };
      state.nextSequence = lastSequence + 1;
      state.recent = [...state.recent, { firstSequence: batch.baseSequence, lastSequence, baseOffset: partition.nextOffset }].slice(-REMEMBERED_BATCHES);
    }
    const baseOffset = partition.nextOffset;
    const appendedAt = Date.now();
    for (const record of batch.records) {
      const { key, value, headers, timestamp } = record;
      this.log.push({ topic, partition: index, offset: baseOffset + record.offsetDelta, key, value, headers, timestamp, producerId: batch.producerId, appendedAt });
    }
    partition.nextOffset = baseOffset + batch.lastOffsetDelta + 1;
    // baseOffset is outside the CRC precisely so that the broker can set it without touching the rest.
    const stored = Buffer.from(bytes);
    stored.writeBigInt64BE(BigInt(baseOffset));
    partition.batches.push({ lastOffset: partition.nextOffset - 1, bytes: stored });
    this.waiters = this.waiters.filter((w) => (this.records(w.topic).length >= w.count ? (w.resolve(), false) : true));
    return { errorCode: ErrorCode.NONE, baseOffset };
  }

  /** Fetch: whole batches from the one holding `fetchOffset` on, the first even when larger than maxBytes so that a consumer always progresses. */
  read(topic: string, index: number, fetchOffset: number, maxBytes: number): { errorCode: number; highWatermark: number; records: Buffer } {
    const partition = this.topics.get(topic)?.[index];
    if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, records: Buffer.alloc(0) };
    if (fetchOffset > partition.nextOffset) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: partition.nextOffset, records: Buffer.alloc(0) };
    const batches: Buffer[] = [];
    let size = 0;
    for (const { lastOffset, bytes } of partition.batches) {
      if (lastOffset < fetchOffset) continue;
      if (batches.length > 0 && size + bytes.length > maxBytes) break;
      batches.push(bytes);
      size += bytes.length;
    }
    return { errorCode: ErrorCode.NONE, highWatermark: partition.nextOffset, records: Buffer.concat(batches) };
  }

  records(topic?: string): StoredRecord[] {
    return this.log.filter((r) => topic === undefined || r.topic === topic);
  }

  waitForRecords(count: number, topic: string | undefined, timeoutMs: number): Promise<StoredRecord[]> {
    return new Promise((resolve, reject) => {
      if (this.records(topic).length >= count) return resolve(this.records(topic));
      const waiter: Waiter = {
        count,
        topic,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.records(topic));
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const where = topic === undefined ? '' : ` on topic ${topic}`;
        reject(new Error(`waited ${timeoutMs} ms for ${count} records${where}; ${this.records(topic).length} arrived`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
