import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { MessageRecord } from '../audit/message-log';

/**
 * One place that sees every finished request: one log line, the request metrics, and the
 * message-log record of requests whose record was not already written with their change.
 */
/** The request's URL as logs keep it: without the query on routes whose queries carry codes or tokens (`logQuery: false`). */
function loggedUrl(request: FastifyRequest): string {
  return request.routeOptions.config?.logQuery === false ? request.url.split('?')[0]! : request.url;
}

export function messageRecordOf(request: FastifyRequest): Omit<MessageRecord, 'statusCode' | 'outcome'> {
  return {
    recordedAt: new Date(),
    partyCode: request.caller?.partyCode ?? null,
    clientId: request.caller?.clientId ?? null,
    requestId: request.id,
    method: request.method,
    path: loggedUrl(request).slice(0, 2048),
    bodySha256: request.bodySha256,
  };
}

async function observability(app: FastifyInstance): Promise<void> {
  app.decorateRequest('messageLogged', false);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const party = request.caller?.partyCode ?? '-';
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    app.hub.metrics.observeRequest(request.method, route, status, party, seconds);
    const outcome = request.outcome ?? (status < 400 ? 'OK' : `HTTP_${status}`);
    if (status >= 400) app.hub.metrics.refusals.inc({ code: outcome, party });
    request.log.info({ method: request.method, url: loggedUrl(request), status, ms: Math.round(reply.elapsedTime), party, outcome }, 'request');
    if (request.messageLogged || request.routeOptions.config.messageLog === false) return;
    app.hub.pipeline.record(messageRecordOf(request), status, outcome).catch((error: unknown) => {
      request.log.error({ err: error }, 'message log record could not be written');
    });
  });
}

export default fp(observability, { name: 'observability' });
