import path from 'node:path';
import { findFreePort, startNodeServer, waitUntilReady, type Server } from './children';

const BROKER_SCRIPT = path.join(__dirname, 'kafka-broker-process.js');

export interface AcknowledgedEvents {
  /** Per distinct event, in append order: the CloudEvent's `time` (epoch ms). */
  committedAt: number[];
  /** When the broker appended it, which is when its acknowledgement went out (epoch ms). */
  appendedAt: number[];
}

/** The Kafka test broker running in kafka-broker-process.js, seen from the bench. */
export interface BenchBroker {
  /** "host:port", for the hub's KAFKA_BROKERS. */
  readonly address: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Records stored so far, duplicates included. */
  recordCount(): Promise<number>;
  acknowledged(): Promise<AcknowledgedEvents>;
}

async function call<T>(server: Server, method: 'GET' | 'POST', route: string): Promise<T> {
  const response = await fetch(server.baseUrl + route, { method });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Kafka test broker: ${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Runs `use` against a broker process of its own, empty, stopped afterwards. */
export async function withBroker<T>(use: (broker: BenchBroker) => Promise<T>): Promise<T> {
  const server = startNodeServer('Kafka test broker', BROKER_SCRIPT, await findFreePort(), {});
  try {
    await waitUntilReady(server, '/status', (status) => status === 200);
    const { address } = await call<{ address: string }>(server, 'GET', '/status');
    return await use({
      address,
      pause: () => call(server, 'POST', '/pause'),
      resume: () => call(server, 'POST', '/resume'),
      recordCount: async () => (await call<{ records: number }>(server, 'GET', '/status')).records,
      acknowledged: () => call(server, 'GET', '/acknowledged'),
    });
  } finally {
    await server.stop();
  }
}
