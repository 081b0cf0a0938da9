/**
 * The Kafka test broker (test/support/kafka) as a process of its own, for the events
 * scenarios. Decoding every produced batch costs CPU: in the bench process it would slow the
 * load generator and delay its timers, and the broker's append times with them. Started by
 * kafka-broker.ts, which talks to it over a small HTTP control channel on 127.0.0.1:PORT:
 *
 *   GET  /status         {"address": "host:port" (Kafka), "records": stored record count}
 *   POST /pause, /resume the broker goes down (connections closed, new ones refused) / comes back on the same port
 *   GET  /acknowledged   {"committedAt": [...], "appendedAt": [...]}: per distinct CloudEvent, in append order,
 *                        its `time` (set by the hub as its commit transaction starts) and when it was appended (ms)
 *
 * The Kafka port is picked by the system (a fixed one is only needed across pause and resume,
 * which the broker keeps); the control port comes from PORT.
 */
import http from 'node:http';
import { KafkaTestBroker } from '../support/kafka/broker';

/**
 * The relay publishes at least once, so an event may be stored twice; a consumer dedupes on
 * the CloudEvent id, and its event was acknowledged when the first copy was appended.
 */
function acknowledgedEvents(broker: KafkaTestBroker): { committedAt: number[]; appendedAt: number[] } {
  const seen = new Set<string>();
  const committedAt: number[] = [];
  const appendedAt: number[] = [];
  for (const record of broker.records()) {
    const event = JSON.parse(record.value?.toString() ?? 'null') as { id?: string; time?: string } | null;
    if (!event?.id || !event.time || seen.has(event.id)) continue;
    seen.add(event.id);
    committedAt.push(Date.parse(event.time));
    appendedAt.push(record.appendedAt);
  }
  return { committedAt, appendedAt };
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is required');
  const broker = await KafkaTestBroker.start();

  const routes: Record<string, () => unknown> = {
    'GET /status': () => ({ address: broker.address, records: broker.records().length }),
    'POST /pause': async () => {
      await broker.pause();
      return {};
    },
    'POST /resume': async () => {
      await broker.resume();
      return {};
    },
    'GET /acknowledged': () => acknowledgedEvents(broker),
  };

  const control = http.createServer((request, response) => {
    const route = routes[`${request.method} ${request.url}`];
    if (!route) return void response.writeHead(404).end();
    Promise.resolve()
      .then(route)
      .then(
        (body) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
  });

  const shutdown = async () => {
    await broker.stop();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await new Promise<void>((resolve) => control.listen(port, '127.0.0.1', resolve));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
