import { migrateToLatest } from '../db/migrate';
import { openConfiguredDatabase, runCli } from './database-from-env';

/** `npm run migrate`: applies pending migrations to the configured database (the hub also does this at start). */
runCli(async () => {
  const database = await openConfiguredDatabase();
  try {
    const applied = await migrateToLatest(database.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    return 0;
  } finally {
    await database.close();
  }
});
