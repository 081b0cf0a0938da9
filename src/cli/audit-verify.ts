import { verifyChain } from '../audit/message-log';
import { openConfiguredDatabase, runCli } from './database-from-env';

/** `npm run audit:verify`: recomputes the message log's hash chain and names the first broken record. */
runCli(async () => {
  const database = await openConfiguredDatabase();
  try {
    const verdict = await verifyChain(database.db);
    if (verdict.ok) {
      process.stdout.write(`message log intact: ${verdict.records} records, head ${verdict.headHash}\n`);
      return 0;
    }
    process.stdout.write(`message log BROKEN at record ${verdict.brokenSeq}: ${verdict.reason} (${verdict.records} records verified before it)\n`);
    return 2;
  } finally {
    await database.close();
  }
});
