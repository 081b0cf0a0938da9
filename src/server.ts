import pino from 'pino';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { openDatabase } from './db/connect';
import { demoParties } from './parties/demo-parties';
import { PartiesFileError, loadPartiesFile } from './parties/registry';

/** config → database → app → listen; graceful shutdown. Nothing else. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', '*.clientSecret', '*.client_secret', '*.password', '*.webhookSecret', '*.secret'], censor: '[redacted]' },
  });
  const demo = config.partiesFile ? undefined : demoParties(config.dataDir, config.publicUrl);
  const parties = config.partiesFile ? loadPartiesFile(config.partiesFile) : demo!.parties;
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    onIdleConnectionError: (error) => logger.warn({ err: error }, 'the database closed an idle connection; the pool reconnects'),
  });
  const app = await buildApp({ config, database, parties, logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests and commits');
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    // server.close() ends only the keep-alive connections idle at that moment; one busy with a
    // request stays open after its answer and the close would wait for the client to hang up.
    // So keep ending connections as they fall idle (clients see a closed idle connection, never a lost answer).
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    closeIdle.unref();
    await app.close();
    clearInterval(closeIdle);
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info({ publicUrl: config.publicUrl, database: database.engine, dataDir: config.dataDir, parties: parties.length }, 'Liên Thông hub is listening');
  if (demo) {
    const file = `${config.dataDir}/demo-credentials.json`;
    process.stdout.write(
      `\nDemo parties (no PARTIES_FILE): credentials in ${file}${demo.created ? ' (created now)' : ''}\n` +
        demo.credentials.clients.map((c) => `  ${c.clientId.padEnd(12)} ${c.clientSecret}  ${c.partyName} [${c.jurisdiction.join(', ')}]`).join('\n') +
        `\nAPI docs: ${config.publicUrl}/docs\n\n`,
    );
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof PartiesFileError || error instanceof DataDirLockedError;
  process.stderr.write(`hub failed to start: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
