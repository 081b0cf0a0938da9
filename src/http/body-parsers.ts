import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { sha256Hex } from '../canonical-json';
import { HubError } from '../errors';

/**
 * Request bodies are read as bytes first: the bytes are hashed into the message log and
 * kept for signature checks, then parsed. JSON with `__proto__` / `constructor.prototype`
 * keys is refused (prototype poisoning).
 */
async function bodyParsers(app: FastifyInstance): Promise<void> {
  app.decorateRequest('rawBody', null);
  app.decorateRequest('bodySha256', null);
  app.removeContentTypeParser(['application/json', 'text/plain']);

  const parseJson = (request: FastifyRequest, bytes: Buffer, done: (error: Error | null, body?: unknown) => void) => {
    request.rawBody = bytes;
    request.bodySha256 = sha256Hex(bytes);
    try {
      done(null, secureJson.parse(bytes.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(new HubError('MALFORMED_REQUEST', `the body is not valid JSON: ${(error as Error).message}`));
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/, { parseAs: 'buffer' }, parseJson);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request: FastifyRequest, bytes: Buffer, done) => {
    request.rawBody = bytes;
    request.bodySha256 = sha256Hex(bytes);
    done(null, Object.fromEntries(new URLSearchParams(bytes.toString('utf8'))));
  });
}

export default fp(bodyParsers, { name: 'body-parsers' });
