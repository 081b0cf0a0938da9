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

  const parseJson = keepingBytes((bytes) => {
    try {
      return secureJson.parse(bytes.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (error) {
      throw new HubError('MALFORMED_REQUEST', `the body is not valid JSON: ${(error as Error).message}`);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.addContentTypeParser(/^application\/[a-z0-9.+-]+\+json$/, { parseAs: 'buffer' }, parseJson);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, keepingBytes((bytes) => Object.fromEntries(new URLSearchParams(bytes.toString('utf8')))));
}

/**
 * A content-type parser that keeps the body's bytes and their hash on the request (the
 * message log, signature checks over raw bytes) and hands on `read(bytes)` as the body; what
 * `read` throws is the request's error. Routes that read bodies their own way (provider
 * callbacks, native one-stop messages, settlement files) register it for their types.
 */
export function keepingBytes(read: (bytes: Buffer) => unknown) {
  return (request: FastifyRequest, bytes: Buffer, done: (error: Error | null, body?: unknown) => void): void => {
    request.rawBody = bytes;
    request.bodySha256 = sha256Hex(bytes);
    let body: unknown;
    try {
      body = read(bytes);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, body);
  };
}

export default fp(bodyParsers, { name: 'body-parsers' });
