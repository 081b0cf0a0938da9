import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { DossierHeaderInput } from '../dossiers/dossier-model';
import { HubError } from '../errors';
import { commitAndAnswer } from '../http/answers';
import { requireCaller } from '../http/authentication';
import { LIMIT_QUERY, decodeCursor, encodeCursor } from '../http/cursor';
import { toVietnamTime } from '../time';
import { responsibleParty } from './submission-routing';
import { submissionHandler, submissionResource } from './submission.service';

const problems = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } } as const;

export default async function submissionRoutes(app: FastifyInstance): Promise<void> {
  const { parties } = app.hub;

  app.post<{ Body: { dossierCode: string; dossier: DossierHeaderInput; submittedAt: string } }>(
    '/v1/submissions',
    {
      schema: {
        summary: 'Route a dossier a citizen submitted online to the agency responsible',
        description:
          'The dossier is created with status SUBMITTED and routed by its agency code to the one-stop system most specifically responsible: pushed to it in its own format (retried until it takes it, in order), or held in its `GET /v1/inbox` until acknowledged. The same submission again answers as the first time; the same dossier with another body → 409 DOSSIER_ALREADY_SUBMITTED.',
        tags: ['submissions'],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        body: { $ref: 'NewSubmission#' },
        response: { 200: { $ref: 'Submission#' }, 201: { $ref: 'Submission#' }, ...problems },
      },
      config: { scope: 'dossiers:write', idempotent: true },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const { dossierCode, dossier, submittedAt } = request.body;
      const target = responsibleParty(parties, dossier.agencyCode);
      if (!target) throw new HubError('NO_RESPONSIBLE_PARTY', `no connected one-stop system is responsible for agency ${dossier.agencyCode}`, { errors: [{ path: '/dossier/agencyCode', message: 'no party is responsible for it', in: 'body' }] });
      const sent = await commitAndAnswer(app, request, reply, submissionHandler, {
        caller,
        id: crypto.randomUUID(),
        dossierCode,
        header: dossier,
        submittedAt,
        bodyHash: request.bodySha256!,
        target: { partyCode: target.code, delivery: target.declaration.submissions?.delivery ?? 'PULL' },
        instance: request.url,
      });
      if (target.declaration.submissions?.delivery === 'PUSH') app.hub.submissions.wake();
      return sent;
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/inbox',
    {
      schema: {
        summary: 'Submissions routed to you and not yet acknowledged, oldest first',
        description: 'Each stays here until you acknowledge it (`POST /v1/inbox/{submissionId}/ack`): fetch, store, then acknowledge.',
        tags: ['submissions'],
        querystring: { type: 'object', additionalProperties: false, properties: { limit: LIMIT_QUERY, cursor: { type: 'string', maxLength: 200 } } },
        response: { 200: { $ref: 'InboxList#' }, ...problems },
      },
      config: { scope: 'dossiers:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const after = decodeCursor(request.query.cursor, (v): v is number => typeof v === 'number' && Number.isSafeInteger(v)) ?? 0;
      const rows = await app.hub.db
        .selectFrom('submissions as s')
        .innerJoin('dossiers as d', 'd.code', 's.dossier_code')
        .select(['s.seq', 's.id', 's.dossier_code', 's.agency_code', 's.created_at', 'd.header'])
        .where('s.target_party_code', '=', caller.partyCode)
        .where('s.status', '=', 'PENDING')
        .where('s.delivery', '=', 'PULL')
        .where('s.seq', '>', after)
        .orderBy('s.seq')
        .limit(request.query.limit)
        .execute();
      const last = rows.at(-1);
      return {
        items: rows.map((r) => ({
          submissionId: r.id,
          dossierCode: r.dossier_code,
          agencyCode: r.agency_code,
          submittedAt: toVietnamTime(new Date(r.created_at)),
          dossier: { ...(r.header as Record<string, unknown>), receivedAt: toVietnamTime(new Date((r.header as { receivedAt: string }).receivedAt)) },
        })),
        nextCursor: rows.length === request.query.limit && last ? encodeCursor(Number(last.seq)) : null,
      };
    },
  );

  app.post<{ Params: { submissionId: string } }>(
    '/v1/inbox/:submissionId/ack',
    {
      schema: {
        summary: 'Acknowledge a submission: it leaves your inbox',
        tags: ['submissions'],
        params: { type: 'object', required: ['submissionId'], properties: { submissionId: { type: 'string', format: 'uuid' } } },
        response: { 200: { $ref: 'Submission#' }, ...problems },
      },
      config: { scope: 'dossiers:write' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const row = await app.hub.db
        .updateTable('submissions')
        .set({ status: sql`CASE WHEN status = 'PENDING' THEN 'ACKNOWLEDGED' ELSE status END`, delivered_at: sql`coalesce(delivered_at, now())` })
        .where('id', '=', request.params.submissionId)
        .where('target_party_code', '=', caller.partyCode)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new HubError('NOT_FOUND', `no submission ${request.params.submissionId} in your inbox`);
      return submissionResource(row);
    },
  );
}
