import { hashSecret } from '../parties/secrets';
import { runCli } from './database-from-env';

/** `npm run hash-secret -- <secret>`: prints a clientSecretHash for the parties file. */
runCli(async () => {
  const secret = process.argv[2];
  if (!secret || secret.length < 16) {
    process.stderr.write('usage: npm run hash-secret -- <client secret of at least 16 characters>\n');
    return 64;
  }
  process.stdout.write(`${await hashSecret(secret)}\n`);
  return 0;
});
