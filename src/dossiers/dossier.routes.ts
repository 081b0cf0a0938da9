import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DOSSIER_CODE, STATUS_NAMES } from '../../schemas/common';
import { HubError } from '../errors';
import { commitAndAnswer, problemAnswer } from '../http/answers';
import { requireCaller } from '../http/authentication';
import { LIMIT_QUERY, decodeCursor, encodeCursor } from '../http/cursor';
import type { DossierCommand, DossierEventInput, DossierHeaderInput, DossierResultInput } from './dossier-model';
import { dossierResource, dossierSummary } from './dossier-resource';
import { type CommandOutcome, type DossierJob, dossierCommitHandler } from './dossier.service';
import { type ListPosition, findDossier, listDossiers } from './dossier.repository';
import { STATUS_CODES, parseStatus } from './statuses';

const codeParams = { type: 'object', required: ['dossierCode'], properties: { dossierCode: DOSSIER_CODE } } as const;
const problems = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } } as const;
/** Room for 1,000 events, each with its dossier header. */
const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

export default async function dossierRoutes(app: FastifyInstance): Promise<void> {
  /** Sends dossier commands through the group commit and answers what the transaction decided. */
  async function commit(request: FastifyRequest, reply: FastifyReply, job: Omit<DossierJob, 'caller'>): Promise<FastifyReply> {
    return commitAndAnswer(app, request, reply, dossierCommitHandler, { ...job, caller: requireCaller(request) });
  }

  /** One command, answered with the dossier (or the refusal). */
  function single(request: FastifyRequest, reply: FastifyReply, command: DossierCommand) {
    return commit(request, reply, {
      commands: [command],
      withTimeline: true,
      respond: ([outcome], now) =>
        outcome!.error ? problemAnswer(request, outcome!.error) : { status: outcome!.status, body: dossierResource(outcome!.state!, request.caller!.partyCode, now), outcome: 'OK' },
    });
  }

  app.put<{ Params: { dossierCode: string }; Body: DossierHeaderInput }>(
    '/v1/dossiers/:dossierCode',
    {
      schema: {
        summary: 'Create or replace a dossier header',
        tags: ['dossiers'],
        params: codeParams,
        body: { $ref: 'DossierHeader#' },
        response: { 200: { $ref: 'Dossier#' }, 201: { $ref: 'Dossier#' }, ...problems },
      },
      config: { scope: 'dossiers:write' },
    },
    (request, reply) => single(request, reply, { kind: 'upsert', dossierCode: request.params.dossierCode, header: request.body }),
  );

  app.post<{ Params: { dossierCode: string }; Body: DossierEventInput }>(
    '/v1/dossiers/:dossierCode/events',
    {
      schema: {
        summary: 'Record one status change',
        description:
          'A replay of the same (dossierCode, sequence) with the same body answers 200 and changes nothing; with another body, 409 SEQUENCE_CONFLICT. An event older than the latest applied one is kept in the timeline (applied: false) and answered 409 STALE_EVENT.',
        tags: ['dossiers'],
        params: codeParams,
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        body: { $ref: 'DossierEvent#' },
        response: { 200: { $ref: 'Dossier#' }, 201: { $ref: 'Dossier#' }, ...problems },
      },
      config: { scope: 'dossiers:write', idempotent: true },
    },
    (request, reply) => single(request, reply, { kind: 'event', dossierCode: request.params.dossierCode, event: request.body }),
  );

  app.post<{ Body: { events: (DossierEventInput & { dossierCode: string; dossier?: DossierHeaderInput })[] } }>(
    '/v1/dossier-events',
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        summary: 'Record up to 1,000 status changes',
        description: 'Each item is applied or refused on its own; an item’s `dossier` header creates or replaces the dossier first.',
        tags: ['dossiers'],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        body: { $ref: 'DossierEventBatch#' },
        response: { 200: { $ref: 'DossierEventBatchResult#' }, ...problems },
      },
      config: { scope: 'dossiers:write', idempotent: true },
    },
    (request, reply) => {
      const commands: DossierCommand[] = [];
      /** For each item, the index of its first command and how many it has. */
      const spans: { first: number; count: number; dossierCode: string }[] = [];
      for (const { dossierCode, dossier, ...event } of request.body.events) {
        spans.push({ first: commands.length, count: dossier ? 2 : 1, dossierCode });
        if (dossier) commands.push({ kind: 'upsert', dossierCode, header: dossier });
        commands.push({ kind: 'event', dossierCode, event });
      }
      const itemResult = (index: number, outcomes: CommandOutcome[]) => {
        const span = spans[index]!;
        const own = outcomes.slice(span.first, span.first + span.count);
        const refused = own.find((o) => o.error);
        const decisive = refused ?? own.at(-1)!;
        return {
          index,
          dossierCode: span.dossierCode,
          status: decisive.status,
          ...(refused ? { code: refused.error!.code, detail: refused.error!.message } : {}),
        };
      };
      return commit(request, reply, {
        commands,
        withTimeline: false,
        respond: (outcomes) => {
          const results = spans.map((_, index) => itemResult(index, outcomes));
          const refused = results.filter((r) => r.status >= 400).length;
          return { status: 200, body: { results }, outcome: refused ? `OK_${results.length - refused}_OF_${results.length}` : 'OK' };
        },
      });
    },
  );

  app.put<{ Params: { dossierCode: string }; Body: DossierResultInput }>(
    '/v1/dossiers/:dossierCode/result',
    {
      schema: {
        summary: 'Sync the decision (result) of a resolved dossier',
        tags: ['dossiers'],
        params: codeParams,
        body: { $ref: 'DossierResult#' },
        response: { 200: { $ref: 'Dossier#' }, 201: { $ref: 'Dossier#' }, ...problems },
      },
      config: { scope: 'dossiers:write' },
    },
    (request, reply) => single(request, reply, { kind: 'result', dossierCode: request.params.dossierCode, result: request.body }),
  );

  app.get<{ Params: { dossierCode: string } }>(
    '/v1/dossiers/:dossierCode',
    {
      schema: { summary: 'A dossier with its timeline and result', tags: ['dossiers'], params: codeParams, response: { 200: { $ref: 'Dossier#' }, ...problems } },
      config: { scope: 'dossiers:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const state = await findDossier(app.hub.db, request.params.dossierCode);
      if (!state) throw new HubError('DOSSIER_NOT_FOUND', `dossier ${request.params.dossierCode} does not exist`);
      if (!caller.jurisdiction.covers(state.agencyCode)) throw new HubError('FORBIDDEN', `dossier ${state.code} belongs to agency ${state.agencyCode}, outside your jurisdiction`);
      return dossierResource(state, caller.partyCode, new Date());
    },
  );

  app.get<{
    Querystring: { agencyCode?: string; status?: string; receivedFrom?: string; receivedTo?: string; overdue?: boolean; limit: number; cursor?: string };
  }>(
    '/v1/dossiers',
    {
      schema: {
        summary: 'The caller’s dossiers, newest first',
        tags: ['dossiers'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            agencyCode: { type: 'string', maxLength: 35 },
            // Query strings are text: a code arrives as "2".
            status: { type: 'string', enum: [...STATUS_NAMES, ...Array.from({ length: 10 }, (_, i) => String(i + 1))] },
            receivedFrom: { type: 'string', format: 'date-time' },
            receivedTo: { type: 'string', format: 'date-time' },
            overdue: { type: 'boolean' },
            limit: LIMIT_QUERY,
            cursor: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: { $ref: 'DossierList#' }, ...problems },
      },
      config: { scope: 'dossiers:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { agencyCode, status, receivedFrom, receivedTo, overdue, limit, cursor } = request.query;
      if (agencyCode && !caller.jurisdiction.covers(agencyCode)) throw new HubError('FORBIDDEN', `agency ${agencyCode} is outside your jurisdiction`);
      const after = decodeCursor(cursor, (v): v is { r: string; c: string } => typeof v === 'object' && v !== null && typeof (v as { r: unknown }).r === 'string' && typeof (v as { c: unknown }).c === 'string');
      const position: ListPosition | undefined = after && { receivedAt: new Date(after.r), code: after.c };
      const now = new Date();
      const states = await listDossiers(
        app.hub.db,
        caller.jurisdiction,
        {
          ...(agencyCode ? { agencyCode } : {}),
          ...(status !== undefined ? { statusCode: STATUS_CODES[parseStatus(/^\d+$/.test(status) ? Number(status) : status)] } : {}),
          ...(receivedFrom ? { receivedFrom: new Date(receivedFrom) } : {}),
          ...(receivedTo ? { receivedTo: new Date(receivedTo) } : {}),
          ...(overdue !== undefined ? { overdue } : {}),
        },
        position,
        limit,
        now,
      );
      const last = states.at(-1);
      return {
        items: states.map((s) => dossierSummary(s, now)),
        nextCursor: states.length === limit && last ? encodeCursor({ r: last.receivedAt.toISOString(), c: last.code }) : null,
      };
    },
  );
}
