import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Answer } from '../commit/commit-pipeline';
import { type HubError, toProblem } from '../errors';

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
