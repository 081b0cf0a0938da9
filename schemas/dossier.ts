import { AGENCY_CODE, AMOUNT_VND, DATE_TIME, DOSSIER_CODE, SHA256_HEX, STATUS_INPUT, STATUS_NAMES, URL } from './common';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

const applicant = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'name'],
  properties: {
    type: { enum: ['CITIZEN', 'ENTERPRISE', 'AGENCY', 'ORGANIZATION'] },
    name: text(200),
    idNumber: { type: 'string', pattern: '^[A-Za-z0-9-]{5,20}$', description: '12-digit personal number, 9-digit ID card, tax code or passport' },
    phone: { type: 'string', pattern: '^\\+?[0-9 ().-]{6,20}$' },
    email: { type: 'string', format: 'email', maxLength: 254 },
  },
} as const;

export const dossierHeaderProperties = {
  agencyCode: AGENCY_CODE,
  procedureCode: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Procedure code, e.g. 1.001193 or 2.002621.H56' },
  procedureName: text(500),
  sectorCode: text(64),
  channel: { enum: ['DIRECT', 'ONLINE', 'POSTAL'] },
  applicant,
  summary: text(2000),
  receivedAt: DATE_TIME,
  dueAt: DATE_TIME,
  documents: {
    type: 'array',
    maxItems: 200,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { code: text(64), name: text(500), sha256: SHA256_HEX, url: URL, digitized: { type: 'boolean' }, reused: { type: 'boolean' } },
    },
  },
  fees: {
    type: 'array',
    maxItems: 100,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'amount'],
      properties: { code: text(64), name: text(500), amount: AMOUNT_VND, paidOnline: { type: 'boolean' } },
    },
  },
} as const;

export const DossierHeader = {
  $id: 'DossierHeader',
  type: 'object',
  description: 'A dossier header: who applied for which procedure, at which agency, when.',
  additionalProperties: false,
  required: ['agencyCode', 'procedureCode', 'channel', 'applicant', 'receivedAt'],
  properties: dossierHeaderProperties,
} as const;

export const dossierEventProperties = {
  status: STATUS_INPUT,
  occurredAt: DATE_TIME,
  sequence: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Per dossier, increasing; makes retries safe' },
  actor: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: text(200), title: text(200), unit: text(200) },
  },
  note: text(2000),
  dueAt: { ...DATE_TIME, description: 'A new promised return date (e.g. after an apology letter)' },
  supplement: {
    type: 'object',
    additionalProperties: false,
    required: ['reason'],
    properties: { reason: text(2000), requestedAt: DATE_TIME, completedAt: DATE_TIME },
  },
} as const;

export const DossierEvent = {
  $id: 'DossierEvent',
  type: 'object',
  description: 'One status change of a dossier.',
  additionalProperties: false,
  required: ['status', 'occurredAt'],
  properties: dossierEventProperties,
} as const;

export const DossierEventBatch = {
  $id: 'DossierEventBatch',
  type: 'object',
  additionalProperties: false,
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['dossierCode', 'status', 'occurredAt'],
        properties: {
          dossierCode: DOSSIER_CODE,
          ...dossierEventProperties,
          dossier: { $ref: 'DossierHeader#' },
        },
      },
    },
  },
} as const;

export const DossierEventBatchResult = {
  $id: 'DossierEventBatchResult',
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'dossierCode', 'status'],
        properties: {
          index: { type: 'integer' },
          dossierCode: { type: 'string' },
          status: { type: 'integer', description: 'HTTP status this item would have had on its own' },
          code: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;

const resultDocument = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'mediaType', 'sha256'],
  properties: {
    name: text(500),
    mediaType: { type: 'string', pattern: '^[a-z]+/[A-Za-z0-9.+-]+$' },
    sha256: SHA256_HEX,
    url: URL,
    size: { type: 'integer', minimum: 0 },
    resultCode: text(100),
  },
} as const;

export const DossierResult = {
  $id: 'DossierResult',
  type: 'object',
  description: 'The decision on a dossier, once it is resolved.',
  additionalProperties: false,
  required: ['outcome', 'issuedAt', 'issuer', 'documents'],
  properties: {
    outcome: { enum: ['GRANTED', 'REFUSED'] },
    decisionNumber: text(100),
    issuedAt: DATE_TIME,
    issuer: {
      type: 'object',
      additionalProperties: false,
      required: ['agencyCode'],
      properties: { agencyCode: AGENCY_CODE, signerName: text(200), signerTitle: text(200) },
    },
    documents: { type: 'array', maxItems: 100, items: resultDocument },
    returnMethod: { enum: ['IN_PERSON', 'POSTAL', 'ELECTRONIC'] },
    note: text(2000),
  },
  if: { properties: { outcome: { const: 'GRANTED' } } },
  then: { properties: { documents: { minItems: 1 } } },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

export const Dossier = {
  $id: 'Dossier',
  type: 'object',
  description: 'A dossier with its current status, timeline and result.',
  required: ['dossierCode', 'agencyCode', 'procedureCode', 'channel', 'applicant', 'status', 'statusCode', 'receivedAt', 'timeline'],
  properties: {
    dossierCode: { type: 'string' },
    agencyCode: { type: 'string' },
    procedureCode: { type: 'string' },
    procedureName: { type: 'string' },
    sectorCode: { type: 'string' },
    channel: { type: 'string' },
    applicant: {
      type: 'object',
      properties: { type: { type: 'string' }, name: { type: 'string' }, idNumber: { type: 'string', description: 'Masked (all but the last 4 characters) for every party but the owner' }, phone: { type: 'string' }, email: { type: 'string' } },
    },
    summary: { type: 'string' },
    documents: dossierHeaderProperties.documents,
    fees: dossierHeaderProperties.fees,
    status: { type: ['string', 'null'], enum: [...STATUS_NAMES, null] },
    statusCode: { type: ['integer', 'null'] },
    receivedAt: { type: 'string' },
    dueAt: nullableString,
    finishedAt: nullableString,
    onTime: { type: ['boolean', 'null'], description: 'Finished by dueAt; null while open or without dueAt' },
    overdue: { type: 'boolean', description: 'dueAt has passed before the dossier finished' },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          status: { type: 'string' },
          statusCode: { type: 'integer' },
          occurredAt: { type: 'string' },
          sequence: { type: ['integer', 'null'] },
          actor: { type: ['object', 'null'], properties: { name: { type: 'string' }, title: { type: 'string' }, unit: { type: 'string' } } },
          note: nullableString,
          dueAt: nullableString,
          supplement: { type: ['object', 'null'], properties: { reason: { type: 'string' }, requestedAt: { type: 'string' }, completedAt: { type: 'string' } } },
          applied: { type: 'boolean' },
          code: { type: 'string', description: 'Why the event was not applied' },
          recordedAt: { type: 'string' },
        },
      },
    },
    result: {
      type: ['object', 'null'],
      properties: {
        outcome: { type: 'string' },
        decisionNumber: { type: 'string' },
        issuedAt: { type: 'string' },
        issuer: { type: 'object', properties: { agencyCode: { type: 'string' }, signerName: { type: 'string' }, signerTitle: { type: 'string' } } },
        documents: { type: 'array', items: { type: 'object', properties: { ...resultDocument.properties, mediaType: { type: ['string', 'null'] }, sha256: { type: ['string', 'null'] } } } },
        returnMethod: { type: 'string' },
        note: { type: 'string' },
        syncedAt: { type: 'string' },
      },
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

export const DossierSummary = {
  $id: 'DossierSummary',
  type: 'object',
  properties: {
    dossierCode: { type: 'string' },
    agencyCode: { type: 'string' },
    procedureCode: { type: 'string' },
    channel: { type: 'string' },
    status: { type: ['string', 'null'] },
    statusCode: { type: ['integer', 'null'] },
    receivedAt: { type: 'string' },
    dueAt: nullableString,
    finishedAt: nullableString,
    onTime: { type: ['boolean', 'null'] },
    overdue: { type: 'boolean' },
    updatedAt: { type: 'string' },
  },
} as const;

export const DossierList = {
  $id: 'DossierList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: { $ref: 'DossierSummary#' } }, nextCursor: nullableString },
} as const;


/**
 * DossierResult as a portal-compatible one-stop message may fill it (api-contract.md,
 * Portal-compatible endpoints): result papers synced that way may lack their hash and media
 * type (null, recorded as unknown); everything else is as strict as the canonical schema.
 */
const resultDocuments = DossierResult.properties.documents;
export const DossierResultFromOneStop = {
  ...DossierResult,
  $id: 'DossierResultFromOneStop',
  properties: {
    ...DossierResult.properties,
    documents: {
      ...resultDocuments,
      items: {
        ...resultDocuments.items,
        properties: {
          ...resultDocuments.items.properties,
          mediaType: { anyOf: [resultDocuments.items.properties.mediaType, { type: 'null' }] },
          sha256: { anyOf: [resultDocuments.items.properties.sha256, { type: 'null' }] },
        },
      },
    },
  },
} as const;
