/**
 * What the relay needs from a Kafka client, and nothing more: kafkajs is in maintenance
 * mode, and a maintained client (@confluentinc/kafka-javascript, @platformatic/kafka)
 * must be able to replace it by rewriting kafka-publisher.ts alone.
 */
export interface EventMessage {
  topic: string;
  /** The aggregate id (dossier code, payment id): one aggregate's events share a partition, in order. */
  key: string;
  /** The CloudEvent, structured JSON. */
  value: string;
  headers: Record<string, string>;
}

export interface EventPublisher {
  /** Resolves once every message is acknowledged by all in-sync replicas, in order per key; rejects otherwise. */
  publish(messages: readonly EventMessage[]): Promise<void>;
  /** Resolves when a broker answers a request now (readiness while there is nothing to publish); rejects otherwise. */
  probe(): Promise<void>;
  close(): Promise<void>;
}
