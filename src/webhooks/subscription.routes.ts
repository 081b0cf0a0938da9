import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type FieldProblem, HubError, validationError } from '../errors';
import { commitAndAnswer } from '../http/answers';
import { requireCaller } from '../http/authentication';
import { LIMIT_QUERY, decodeCursor, encodeCursor } from '../http/cursor';
import { findDelivery, listDeliveries } from './deliveries';
import { webhookUrlProblem } from './endpoint-guard';
import { newWebhookSecret } from './signature';
import { createSubscriptionHandler, deleteSubscription, findOwnSubscription, listSubscriptions, subscriptionResource } from './subscriptions';

/**
 * Webhook subscriptions (scope events:read). A party sees and touches only its own: any
 * other id is answered 404, as if it did not exist.
 */
const UUID = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;
const DELIVERY_ID = { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: UUID } } as const;
const deliveryParams = { type: 'object', required: ['id', 'deliveryId'], properties: { id: UUID, deliveryId: DELIVERY_ID } } as const;
const problems = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } } as const;
const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: LIMIT_QUERY, cursor: { type: 'string', maxLength: 500 } },
} as const;

const notFound = (id: string) => new HubError('NOT_FOUND', `subscription ${id} does not exist`);

export default async function subscriptionRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { url: string; types: string[]; agencyCodes?: string[] } }>(
    '/v1/subscriptions',
    {
      schema: {
        summary: 'Subscribe a URL to event types within your jurisdiction',
        description:
          'Each matching event is POSTed to `url` as its CloudEvent JSON, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the `secret` of the answer, which is shown only once. Failed deliveries are retried for about three days; 410 Gone disables the subscription.',
        tags: ['events'],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        body: { $ref: 'NewSubscription#' },
        response: { 201: { $ref: 'CreatedSubscription#' }, ...problems },
      },
      config: { scope: 'events:read', idempotent: true },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const { url, types, agencyCodes } = request.body;
      const outside: FieldProblem[] = (agencyCodes ?? []).flatMap((pattern, i) =>
        caller.jurisdiction.includesPattern(pattern) ? [] : [{ path: `/agencyCodes/${i}`, in: 'body' as const, message: `${pattern} is outside your jurisdiction (${caller.jurisdiction.patterns.join(', ')})` }],
      );
      if (outside.length) throw new HubError('FORBIDDEN', `agencyCodes must lie inside your jurisdiction (${caller.jurisdiction.patterns.join(', ')})`, { errors: outside });
      const urlProblem = await webhookUrlProblem(url, app.hub.config.webhookAllowPrivateNetworks);
      if (urlProblem) throw validationError([{ path: '/url', in: 'body', message: urlProblem }]);

      return commitAndAnswer(app, request, reply, createSubscriptionHandler, {
        id: randomUUID(),
        partyCode: caller.partyCode,
        url,
        types,
        agencyCodes: agencyCodes ?? null,
        secret: newWebhookSecret(),
      });
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/v1/subscriptions',
    {
      schema: {
        summary: 'Your webhook subscriptions, oldest first',
        description: 'Includes the one the parties file declares for you (notifyUrl), and disabled ones with the reason. Secrets are never shown again.',
        tags: ['events'],
        querystring: pageQuery,
        response: { 200: { $ref: 'SubscriptionList#' }, ...problems },
      },
      config: { scope: 'events:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor, (v): v is { c: string; i: string } => typeof v === 'object' && v !== null && typeof (v as { c: unknown }).c === 'string' && typeof (v as { i: unknown }).i === 'string');
      const rows = await listSubscriptions(app.hub.db, caller.partyCode, after && { createdAt: new Date(after.c), id: after.i }, limit);
      const last = rows.at(-1);
      return { items: rows.map(subscriptionResource), nextCursor: rows.length === limit && last ? encodeCursor({ c: last.created_at.toISOString(), i: last.id }) : null };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/subscriptions/:id',
    {
      schema: {
        summary: 'Delete a webhook subscription',
        description: 'Deliveries still pending are not attempted. The subscription the parties file declares is changed by the operator only (409 SUBSCRIPTION_DECLARED).',
        tags: ['events'],
        params: idParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problems },
      },
      config: { scope: 'events:read' },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const subscription = await findOwnSubscription(app.hub.db, caller.partyCode, request.params.id);
      if (!subscription) throw notFound(request.params.id);
      if (subscription.origin === 'parties-file') throw new HubError('SUBSCRIPTION_DECLARED', `subscription ${subscription.id} is your notifyUrl in the parties file; ask the hub operator to change it`);
      if (!(await deleteSubscription(app.hub.db, caller.partyCode, subscription.id, new Date()))) throw notFound(request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/subscriptions/:id/deliveries',
    {
      schema: {
        summary: 'Deliveries of a subscription, newest first, with every attempt',
        description: '`attempt` counts the attempts made so far; `attempts` lists each of them.',
        tags: ['events'],
        params: idParams,
        querystring: pageQuery,
        response: { 200: { $ref: 'WebhookDeliveryList#' }, ...problems },
      },
      config: { scope: 'events:read' },
    },
    async (request) => {
      const caller = requireCaller(request);
      const subscription = await findOwnSubscription(app.hub.db, caller.partyCode, request.params.id);
      if (!subscription) throw notFound(request.params.id);
      const { limit, cursor } = request.query;
      const before = decodeCursor(cursor, (v): v is number => Number.isSafeInteger(v) && (v as number) > 0);
      const items = await listDeliveries(app.hub.db, subscription.id, before, limit);
      const last = items.at(-1);
      return { items, nextCursor: items.length === limit && last ? encodeCursor(Number(last.id)) : null };
    },
  );

  app.post<{ Params: { id: string; deliveryId: string } }>(
    '/v1/subscriptions/:id/deliveries/:deliveryId/retry',
    {
      schema: {
        summary: 'Send one delivery again, now',
        description:
          'Whatever its status, the delivery becomes PENDING and due at once; it is one more attempt (the retry schedule does not restart). A disabled subscription is not delivered to (409 SUBSCRIPTION_DISABLED): subscribe again instead.',
        tags: ['events'],
        params: deliveryParams,
        response: { 202: { $ref: 'WebhookDelivery#' }, ...problems },
      },
      config: { scope: 'events:read' },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const subscription = await findOwnSubscription(app.hub.db, caller.partyCode, request.params.id);
      if (!subscription) throw notFound(request.params.id);
      if (subscription.disabled_at) throw new HubError('SUBSCRIPTION_DISABLED', `subscription ${subscription.id} is disabled (${subscription.disabled_reason}); create a new subscription to receive events again`);
      const deliveryId = Number(request.params.deliveryId);
      if (!(await app.hub.webhooks.replay(subscription.id, deliveryId))) throw new HubError('NOT_FOUND', `delivery ${deliveryId} of subscription ${subscription.id} does not exist`);
      return reply.code(202).send(await findDelivery(app.hub.db, subscription.id, deliveryId));
    },
  );
}
