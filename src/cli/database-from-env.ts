import { loadConfig } from '../config';
import { type DatabaseHandle, openDatabase } from '../db/connect';

/** The database the hub would use with this environment (DATABASE_URL, else PGlite in DATA_DIR). */
export function openConfiguredDatabase(): Promise<DatabaseHandle> {
  const config = loadConfig();
  return openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
}

export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
