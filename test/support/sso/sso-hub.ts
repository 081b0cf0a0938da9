import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app';
import { loadConfig } from '../../../src/config';
import type { DatabaseHandle, Engine } from '../../../src/db/connect';
import type { PartyDeclaration } from '../../../src/parties/party';
import { findFreePort } from '../../bench/children';
import { openTestDatabase } from '../databases';

/** The hub listening on 127.0.0.1 (single sign-on needs real HTTP: browsers, openid-client, upstream providers). */
export interface ListeningHub {
  app: FastifyInstance;
  database: DatabaseHandle;
  url: string;
  close(): Promise<void>;
}

export async function startListeningHub(engine: Engine, port: number, parties: PartyDeclaration[]): Promise<ListeningHub> {
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({ PUBLIC_URL: url, PORT: String(port), RATE_LIMIT_MAX: '100000' });
  const database = await openTestDatabase(engine);
  const app = await buildApp({ config, database, parties });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    database,
    url,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export { findFreePort };
