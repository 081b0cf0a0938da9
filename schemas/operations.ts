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
  },
} as const;
