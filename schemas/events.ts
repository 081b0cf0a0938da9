import { EVENT_TYPE_NAMES } from './event-types';

/** CloudEvents 1.0 structured JSON, as the outbox stores and Kafka, the feed and webhooks carry it. */
export const CloudEvent = {
  $id: 'CloudEvent',
  type: 'object',
  required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string', description: 'Unique event id: the consumer’s dedup key' },
    source: { type: 'string', description: 'The party whose message caused the event, e.g. /parties/000.00.00.H26' },
    type: { type: 'string', enum: EVENT_TYPE_NAMES },
    subject: { type: 'string', description: 'Aggregate id: dossier code or payment id (the Kafka key)' },
    time: { type: 'string' },
    datacontenttype: { type: 'string' },
    requestid: { type: 'string', description: 'X-Request-Id of the message that caused the event' },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

export const EventFeed = {
  $id: 'EventFeed',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: { $ref: 'CloudEvent#' } },
    nextCursor: { type: ['string', 'null'], description: 'Poll again with after=nextCursor; it is returned even when no event is newer' },
  },
} as const;
