import type { FastifyInstance } from 'fastify';
import { EVENT_TYPE_NAMES } from '../../schemas/event-types';
import { HubError, validationError } from '../errors';
import { requireCaller } from '../http/authentication';
import { LIMIT_QUERY, decodeCursor, encodeCursor } from '../http/cursor';

/**
 * GET /v1/events: the outbox in feed order (outbox_feed, see the sealer), for parties
 * without Kafka. Positions are gap-free and only given to committed events, so a cursor
 * never skips an event that commits late.
 */
export default async function eventFeedRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { after?: string; types?: string; agencyCode?: string; limit: number } }>(
    '/v1/events',
    {
      schema: {
        summary: 'Events in commit order, within the caller’s jurisdiction',
        description: 'Without `after`, starts at the oldest retained event. `types` is a comma-separated list.',
        tags: ['events'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', maxLength: 100 }, types: { type: 'string', maxLength: 1000 }, agencyCode: { type: 'string', maxLength: 35 }, limit: LIMIT_QUERY },
        },
        response: { 200: { $ref: 'EventFeed#' }, '4xx': { $ref: 'Problem#' } },
      },
      config: { scope: 'events:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { after, types, agencyCode, limit } = request.query;
      const position = decodeCursor(after, (v): v is number => Number.isSafeInteger(v) && (v as number) >= 0) ?? 0;
      const typeList = types ? types.split(',').map((t) => t.trim()).filter(Boolean) : [];
      const unknown = typeList.filter((t) => !(EVENT_TYPE_NAMES as readonly string[]).includes(t));
      if (unknown.length) throw validationError([{ path: '/types', in: 'query', message: `unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPE_NAMES.join(', ')}` }]);
      if (agencyCode && !caller.jurisdiction.covers(agencyCode)) throw new HubError('FORBIDDEN', `agency ${agencyCode} is outside your jurisdiction`);

      let query = app.hub.db
        .selectFrom('outbox_feed')
        .innerJoin('outbox', 'outbox.id', 'outbox_feed.outbox_id')
        .select(['outbox_feed.position', 'outbox.payload'])
        .where('outbox_feed.position', '>', position);
      if (!caller.jurisdiction.coversEverything) {
        const { exact, likeSuffixes } = caller.jurisdiction.toSqlFilter();
        query = query.where((eb) => eb.or([...(exact.length ? [eb('agency_code', 'in', exact)] : []), ...likeSuffixes.map((p) => eb('agency_code', 'like', p))]));
      }
      if (typeList.length) query = query.where('event_type', 'in', typeList);
      if (agencyCode) query = query.where('agency_code', '=', agencyCode);
      const rows = await query.orderBy('outbox_feed.position').limit(limit).execute();
      const last = rows.at(-1);
      return { items: rows.map((r) => r.payload), nextCursor: encodeCursor(last ? Number(last.position) : position) };
    },
  );
}
