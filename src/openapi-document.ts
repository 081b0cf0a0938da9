import { buildApp } from './app';
import { loadConfig } from './config';
import { openDatabase } from './db/connect';

/** The OpenAPI document the routes produce, with a fixed public URL so it is reproducible. */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({ PUBLIC_URL: 'https://hub.example.gov.vn' });
  const database = await openDatabase({ databaseUrl: undefined, dataDir: '', poolSize: 1, inMemory: true });
  try {
    const app = await buildApp({ config, database, parties: [] });
    await app.ready();
    const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
    await app.close();
    return document;
  } finally {
    await database.close();
  }
}

export const OPENAPI_FILE = 'openapi/openapi.json';
