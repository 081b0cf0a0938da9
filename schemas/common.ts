/** Building blocks shared by the canonical schemas. */

/** Four (or, since 2022, more) dot-separated levels, at most 35 characters: `V1V2V3.Z1Z2.Y1Y2.Hxx`. */
export const AGENCY_CODE_PATTERN = '^[A-Za-z0-9]{1,10}(\\.[A-Za-z0-9]{1,10}){3,6}$';
export const AGENCY_CODE = { type: 'string', maxLength: 35, pattern: AGENCY_CODE_PATTERN, description: 'Agency identifier, e.g. 000.00.00.H26' } as const;
/** A jurisdiction pattern: `*`, `*.<levels>` (every agency ending so) or one full agency code. */
export const JURISDICTION_PATTERN = '^(\\*|\\*(\\.[A-Za-z0-9]{1,10}){1,6}|[A-Za-z0-9]{1,10}(\\.[A-Za-z0-9]{1,10}){3,6})$';

/** `{agency part}-{date}-{counter}`, loosely: ministries use variants such as G09.20-20260609-0092637. */
export const DOSSIER_CODE = {
  type: 'string',
  maxLength: 64,
  pattern: '^[A-Za-z0-9]{1,10}(\\.[A-Za-z0-9]{1,10}){0,6}-[0-9]{6,8}-[0-9]{1,10}$',
  description: 'Dossier code {agency code}-{yyMMdd}-{counter}, e.g. 000.00.00.H26-261124-0042',
} as const;

export const DATE_TIME = { type: 'string', format: 'date-time', description: 'RFC 3339 with an offset, e.g. 2026-11-24T09:30:00+07:00' } as const;
export const NULLABLE_DATE_TIME = { type: ['string', 'null'], format: 'date-time' } as const;

export const STATUS_NAMES = [
  'SUBMITTED',
  'RECEIVED',
  'REJECTED',
  'PROCESSING',
  'SUPPLEMENT_REQUESTED',
  'PAYMENT_REQUESTED',
  'WITHDRAWAL_REQUESTED',
  'STOPPED',
  'RESOLVED',
  'RESULT_RETURNED',
] as const;

export const STATUS_INPUT = {
  type: ['string', 'integer'],
  enum: [...STATUS_NAMES, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  description: 'Canonical status name, or its portal code 1–10',
} as const;

export const SHA256_HEX = { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } as const;
export const URL = { type: 'string', format: 'uri', maxLength: 2048, pattern: '^https?://' } as const;
export const AMOUNT_VND = { type: 'integer', minimum: 0, maximum: 1e13, description: 'Integer VND' } as const;

export const Problem = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'Stable machine code, e.g. DOSSIER_TRANSITION_NOT_ALLOWED' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' }, in: { type: 'string' } },
      },
    },
  },
} as const;
