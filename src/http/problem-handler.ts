import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type ErrorCode, HubError, toProblem, validationError } from '../errors';
import { fieldProblems } from './validation';

/**
 * Every refusal is RFC 9457 problem+json with a stable code; field problems name the
 * field. A 5xx carries only the request id: internals (stack, SQL, secrets) stay in the log.
 */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

export function toHubError(error: FastifyError | Error): HubError {
  if (error instanceof HubError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationError(fieldProblems(fastifyError.validation as never, fastifyError.validationContext));
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new HubError(mapped, fastifyError.message);
  const status = fastifyError.statusCode ?? 500;
  if (status === 404) return new HubError('NOT_FOUND', fastifyError.message);
  if (status >= 400 && status < 500) return new HubError('MALFORMED_REQUEST', fastifyError.message);
  return new HubError('INTERNAL', 'internal error; quote the requestId when reporting it');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: HubError): FastifyReply {
  request.outcome = error.code;
  if (error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
  return reply.code(error.status).type('application/problem+json').send(toProblem(error, request.url, request.id));
}

async function problemHandler(app: FastifyInstance): Promise<void> {
  app.decorateRequest('outcome', null);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const hubError = toHubError(error);
    if (hubError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, hubError);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new HubError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
}

export default fp(problemHandler, { name: 'problem-handler' });
