import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Answer, type CommitHandler, IdempotencyRaceError } from '../commit/commit-pipeline';
import { type HubError, toProblem } from '../errors';
import { replayIfKnown } from './idempotency';
import { messageRecordOf } from './observability';

/** Answers decided inside a commit (see the commit pipeline), and how they are sent. */
export function problemAnswer(request: FastifyRequest, error: HubError): Answer {
  return { status: error.status, body: toProblem(error, request.url, request.id), outcome: error.code };
}

export function sendAnswer(request: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
  request.messageLogged = true;
  request.outcome = answer.outcome;
  reply.code(answer.status);
  if (answer.status >= 400) reply.type('application/problem+json');
  return reply.send(answer.body);
}

/**
 * Commits the request's job through the group commit (with its message-log record and
 * Idempotency-Key) and sends the answer the transaction decided.
 */
export function commitAndAnswer<P>(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, handler: CommitHandler<P>, payload: P): Promise<FastifyReply> {
  return answerCommitted(app, request, reply, () => app.hub.pipeline.submit(handler, { payload, log: messageRecordOf(request), idempotency: request.idempotency ?? undefined }));
}

/** Sends the answer of a commit the caller makes (with the request's Idempotency-Key), or the stored answer of a concurrent request that used the same key first. */
export async function answerCommitted(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, commit: () => Promise<Answer>): Promise<FastifyReply> {
  try {
    return sendAnswer(request, reply, await commit());
  } catch (error) {
    const key = request.idempotency;
    if (error instanceof IdempotencyRaceError && key && (await replayIfKnown(app, request, reply, key.partyCode, key.key, key.requestHash))) return reply;
    throw error;
  }
}
