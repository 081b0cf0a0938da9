import Fastify from 'fastify';
import pino from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig } from '../config';
import { openDatabase } from '../db/connect';
import { migrationsApplied } from '../db/migrate';
import { kafkaRelay } from '../events/relay';

/**
 * `npm run relay`: the Kafka relay as its own process, for operators who scale it apart from
 * the hub (run the hubs with RELAY_IN_PROCESS=false). Same settings as the hub; it needs
 * DATABASE_URL (the embedded database belongs to the one hub process) and KAFKA_BROKERS.
 * It serves /health/live, /health/ready and /metrics on PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('the relay process needs DATABASE_URL: with the embedded database, the hub runs the relay itself');
  if (!config.kafkaBrokers.length) throw new Error('the relay process needs KAFKA_BROKERS');
  const log = pino({ level: config.logLevel, base: { process: 'relay' } });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  if (!(await migrationsApplied(database.db))) throw new Error('the database is not migrated: start the hub or run npm run migrate first');

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_relay_process_' });
  const relay = kafkaRelay(config, database.db, log, registry);
  const app = Fastify({ loggerInstance: log, disableRequestLogging: true });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const { state, since, lastError } = relay.status;
    reply.code(state === 'failing' ? 503 : 200);
    return { status: state, since, ...(lastError ? { lastError } : {}) };
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  relay.start();
  await app.listen({ port: config.port, host: config.host });
  log.info({ brokers: config.kafkaBrokers, port: config.port }, 'Kafka relay started');

  const shutdown = async () => {
    await app.close();
    await relay.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(`relay failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
