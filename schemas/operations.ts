export const Readiness = {
  $id: 'Readiness',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not ready'] },
    checks: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { status: { type: 'string' }, detail: { type: 'string' } } },
    },
    outbox: { type: 'object', description: 'Events not yet in the feed, and the age of the oldest', properties: { unsealed: { type: 'integer' }, oldestAgeSeconds: { type: 'number' } } },
    kafka: {
      type: 'object',
      description: 'With KAFKA_BROKERS: events in the feed not yet acknowledged by Kafka, and the age of the oldest',
      properties: { unpublished: { type: 'integer' }, oldestAgeSeconds: { type: 'number' } },
    },
  },
} as const;
