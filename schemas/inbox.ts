import { DATE_TIME, DOSSIER_CODE, NULLABLE_DATE_TIME } from './common';

/** Online submissions routed to agencies (issue: routing submissions), and the inbox of parties that pull them. */

export const NewSubmission = {
  $id: 'NewSubmission',
  type: 'object',
  description: 'A dossier a citizen submitted online on the portal: the hub creates it (SUBMITTED) and routes it to the one-stop system responsible for its agency.',
  additionalProperties: false,
  required: ['dossierCode', 'dossier', 'submittedAt'],
  properties: {
    dossierCode: DOSSIER_CODE,
    dossier: { $ref: 'DossierHeader#' },
    submittedAt: DATE_TIME,
  },
} as const;

const submissionProperties = {
  submissionId: { type: 'string' },
  dossierCode: { type: 'string' },
  agencyCode: { type: 'string' },
  targetParty: { type: 'string', description: 'The party responsible for the agency' },
  delivery: { type: 'string', enum: ['PUSH', 'PULL'] },
  status: { type: 'string', enum: ['PENDING', 'DELIVERED', 'ACKNOWLEDGED'] },
  submittedAt: DATE_TIME,
  deliveredAt: NULLABLE_DATE_TIME,
} as const;

export const Submission = {
  $id: 'Submission',
  type: 'object',
  required: ['submissionId', 'dossierCode', 'agencyCode', 'targetParty', 'delivery', 'status', 'submittedAt'],
  properties: submissionProperties,
} as const;

export const InboxList = {
  $id: 'InboxList',
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['submissionId', 'dossierCode', 'agencyCode', 'submittedAt', 'dossier'],
        properties: {
          submissionId: { type: 'string' },
          dossierCode: { type: 'string' },
          agencyCode: { type: 'string' },
          submittedAt: DATE_TIME,
          dossier: { type: 'object', additionalProperties: true, description: 'The dossier header as submitted' },
        },
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;
