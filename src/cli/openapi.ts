import fs from 'node:fs';
import { OPENAPI_FILE, generateOpenApiDocument } from '../openapi-document';
import { runCli } from './database-from-env';

/** `npm run openapi`: writes openapi/openapi.json; `-- --check` fails when the committed file differs. */
runCli(async () => {
  const document = await generateOpenApiDocument();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(OPENAPI_FILE) ? fs.readFileSync(OPENAPI_FILE, 'utf8') : '';
    if (committed !== document) {
      process.stderr.write(`${OPENAPI_FILE} differs from what the routes produce: run npm run openapi and commit it\n`);
      return 1;
    }
    process.stdout.write(`${OPENAPI_FILE} matches the routes\n`);
    return 0;
  }
  fs.mkdirSync('openapi', { recursive: true });
  fs.writeFileSync(OPENAPI_FILE, document);
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  return 0;
});
