import { JURISDICTION_PATTERN, DATE_TIME, NULLABLE_DATE_TIME, URL } from './common';
import { EVENT_TYPE_NAMES } from './event-types';

/** Webhook subscriptions and their deliveries (api-contract.md, Events). */

/** An agency-code pattern as in a party's jurisdiction. */
const AGENCY_CODE_FILTER = {
  type: 'string',
  maxLength: 35,
  pattern: JURISDICTION_PATTERN,
  description: '`*.<levels>` (every agency ending so) or one full agency code, inside your jurisdiction',
} as const;

const EVENT_TYPES = {
  type: 'array',
  minItems: 1,
  maxItems: EVENT_TYPE_NAMES.length,
  uniqueItems: true,
  items: { type: 'string', enum: EVENT_TYPE_NAMES },
} as const;

const subscriptionProperties = {
  id: { type: 'string' },
  url: { type: 'string' },
  types: { type: 'array', items: { type: 'string' } },
  agencyCodes: { type: ['array', 'null'], items: { type: 'string' }, description: 'null: every agency of your jurisdiction' },
  createdAt: DATE_TIME,
} as const;

export const NewSubscription = {
  $id: 'NewSubscription',
  type: 'object',
  additionalProperties: false,
  required: ['url', 'types'],
  properties: {
    url: { ...URL, description: 'Where the hub POSTs each event; it must resolve to public addresses' },
    types: EVENT_TYPES,
    agencyCodes: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: AGENCY_CODE_FILTER, description: 'Only events of these agencies; omitted: your whole jurisdiction' },
  },
} as const;

export const CreatedSubscription = {
  $id: 'CreatedSubscription',
  type: 'object',
  required: ['id', 'url', 'types', 'agencyCodes', 'secret', 'createdAt'],
  properties: {
    ...subscriptionProperties,
    secret: { type: 'string', description: 'whsec_ + base64 of 32 random bytes: the Standard Webhooks signing secret. Shown only in this answer.' },
  },
} as const;

export const Subscription = {
  $id: 'Subscription',
  type: 'object',
  required: ['id', 'url', 'types', 'agencyCodes', 'createdAt', 'origin', 'disabledAt', 'disabledReason'],
  properties: {
    ...subscriptionProperties,
    origin: {
      type: 'string',
      enum: ['api', 'parties-file', 'payment-notify'],
      description: '`parties-file`: the notifyUrl the parties file declares for you (changed by the operator only); `payment-notify`: a payment’s notifyUrl, which receives `{type: "payment.status_changed", data: <payment>}` when one of your payments naming it ends',
    },
    disabledAt: NULLABLE_DATE_TIME,
    disabledReason: { type: ['string', 'null'], description: 'Why the hub stopped delivering, e.g. the endpoint answered 410 Gone' },
  },
} as const;

export const SubscriptionList = {
  $id: 'SubscriptionList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: { $ref: 'Subscription#' } }, nextCursor: { type: ['string', 'null'] } },
} as const;

export const WebhookDelivery = {
  $id: 'WebhookDelivery',
  type: 'object',
  required: ['id', 'eventId', 'attempt', 'status', 'responseStatus', 'attemptedAt', 'nextAttemptAt', 'attempts'],
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string', description: 'The CloudEvent id (also the webhook-id header)' },
    attempt: { type: 'integer', description: 'Attempts made so far' },
    status: { type: 'string', enum: ['PENDING', 'SUCCEEDED', 'FAILED', 'DISABLED'] },
    responseStatus: { type: ['integer', 'null'], description: 'HTTP status of the latest attempt; null when none answered' },
    attemptedAt: NULLABLE_DATE_TIME,
    nextAttemptAt: { ...NULLABLE_DATE_TIME, description: 'When PENDING: when the hub tries next' },
    attempts: {
      type: 'array',
      description: 'Every attempt, oldest first',
      items: {
        type: 'object',
        required: ['attempt', 'attemptedAt', 'responseStatus', 'durationMs', 'error'],
        properties: {
          attempt: { type: 'integer' },
          attemptedAt: DATE_TIME,
          responseStatus: { type: ['integer', 'null'] },
          durationMs: { type: 'integer' },
          error: { type: ['string', 'null'], description: 'Why the attempt failed (timeout, connection error, HTTP status)' },
        },
      },
    },
  },
} as const;

export const WebhookDeliveryList = {
  $id: 'WebhookDeliveryList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: { $ref: 'WebhookDelivery#' } }, nextCursor: { type: ['string', 'null'] } },
} as const;
