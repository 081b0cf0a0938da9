import { type Admin, CompressionTypes, Kafka, type LogEntry, logLevel, type Producer } from 'kafkajs';
import type { FastifyBaseLogger } from 'fastify';
import type { EventMessage, EventPublisher } from './publisher';

export interface KafkaPublisherOptions {
  brokers: readonly string[];
  clientId: string;
  log: FastifyBaseLogger;
  /** Per request; the relay's own back-off handles longer outages. */
  requestTimeoutMs?: number;
}

/**
 * The relay's publisher on kafkajs: an idempotent producer (the broker drops a batch it
 * already has when kafkajs retries it) with one request in flight, so retries cannot
 * reorder a partition; acks from all in-sync replicas. kafkajs retries briefly itself;
 * longer outages are the relay's back-off, so a call never hangs for minutes.
 */
export class KafkaPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  /** For probes: the producer has no request of its own that reaches a broker without sending. */
  private admin: Admin | undefined;

  constructor(options: KafkaPublisherOptions) {
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...fields } = entry.log;
        const line = { kafka: { namespace: entry.namespace, ...fields } };
        if (entry.level <= logLevel.ERROR) options.log.error(line, message);
        else options.log.warn(line, message);
      },
    });
    this.kafka = kafka;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    this.producer.on('producer.disconnect', () => (this.connecting = undefined));
  }

  async publish(messages: readonly EventMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    for (const { topic, key, value, headers } of messages) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key, value, headers });
    }
    // The producer stays connected after a failure: kafkajs reconnects by itself, and keeping
    // the producer id lets the broker drop the batches it already has when they are resent.
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
    });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** A Metadata request, which any broker of the cluster answers. */
  async probe(): Promise<void> {
    this.admin ??= this.kafka.admin();
    await this.admin.connect();
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await this.admin?.disconnect();
    await this.producer.disconnect();
  }
}
