import { migrateToLatest } from '../db/migrate';
import { rotateSsoKeys } from '../sso/keys';
import { openConfiguredDatabase, runCli } from './database-from-env';

/** `npm run sso:rotate-keys`: a new generation of ID token signing keys (see src/sso/keys.ts). */
runCli(async () => {
  const database = await openConfiguredDatabase();
  try {
    await migrateToLatest(database.db);
    const { generation, retired } = await rotateSsoKeys(database.db);
    process.stdout.write(
      `single sign-on signing keys: generation ${generation} created; it is published now and signs once each hub node restarts.\n` +
        (retired.length ? `retired (no longer published): ${retired.join(', ')}\n` : ''),
    );
    return 0;
  } finally {
    await database.close();
  }
});
