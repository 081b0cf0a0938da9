import { AGENCY_CODE, AMOUNT_VND, DATE_TIME, DOSSIER_CODE, NULLABLE_DATE_TIME, URL } from './common';

/** Payments, checkouts, refunds and reconciliations (api-contract.md, Payments). */

const KINDS = ['FEE', 'TAX', 'FINE', 'INSURANCE', 'UTILITY', 'COURT_FEE', 'HOSPITAL_FEE', 'TUITION'] as const;
const STATUSES = ['CREATED', 'PENDING', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
const TEXT = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const POSITIVE_AMOUNT = { ...AMOUNT_VND, minimum: 1 } as const;
const PROVIDER_ID = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'A payment provider of the hub (see `providers` of the payment)' } as const;

const payer = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: TEXT(200), idNumber: { type: 'string', pattern: '^[0-9A-Za-z]{6,20}$' }, address: TEXT(500) },
} as const;

const item = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'amount'],
  properties: { code: TEXT(64), name: TEXT(300), amount: POSITIVE_AMOUNT },
} as const;

const beneficiary = {
  type: 'object',
  additionalProperties: false,
  required: ['accountNumber', 'bankCode', 'accountName'],
  properties: { accountNumber: { type: 'string', pattern: '^[0-9A-Za-z]{4,34}$' }, bankCode: TEXT(20), accountName: TEXT(200) },
} as const;

const fine = {
  type: 'object',
  additionalProperties: false,
  required: ['decisionNumber', 'decisionDate', 'decidingAgency', 'treasury'],
  properties: { decisionNumber: TEXT(64), decisionDate: { type: 'string', format: 'date' }, decidingAgency: TEXT(200), treasury: TEXT(200) },
} as const;

export const NewPayment = {
  $id: 'NewPayment',
  type: 'object',
  description: 'An agency asks for a payment. `amount` must equal the sum of the items.',
  additionalProperties: false,
  required: ['agencyCode', 'kind', 'payer', 'items', 'amount', 'currency', 'beneficiary', 'description', 'returnUrl'],
  properties: {
    agencyCode: AGENCY_CODE,
    dossierCode: DOSSIER_CODE,
    procedureCode: TEXT(64),
    kind: { type: 'string', enum: KINDS },
    payer,
    items: { type: 'array', minItems: 1, maxItems: 100, items: item },
    amount: POSITIVE_AMOUNT,
    currency: { const: 'VND' },
    beneficiary,
    description: TEXT(500),
    returnUrl: { ...URL, description: 'Where the citizen’s browser goes after paying, with ?paymentId=&status=' },
    notifyUrl: { ...URL, description: 'Where the hub POSTs {type: "payment.status_changed", data: <payment>} when the payment ends (Standard Webhooks, signed with your party’s webhookSecret)' },
    expiresAt: { ...DATE_TIME, description: 'Default: 24 hours after creation' },
    fine,
  },
} as const;

const attempt = {
  type: 'object',
  required: ['attemptId', 'provider', 'status', 'amount', 'createdAt'],
  properties: {
    attemptId: { type: 'string' },
    provider: { type: 'string' },
    reference: { type: 'string', description: 'The merchant reference the provider knows this attempt by' },
    status: { type: 'string', enum: ['PENDING', 'SUCCEEDED', 'FAILED'] },
    amount: AMOUNT_VND,
    providerOrderId: { type: ['string', 'null'], description: 'The provider’s own id of the order, when it gives one at checkout' },
    providerTransactionId: { type: ['string', 'null'] },
    providerCode: { type: ['string', 'null'] },
    createdAt: DATE_TIME,
    updatedAt: DATE_TIME,
  },
} as const;

const refundProperties = {
  refundId: { type: 'string' },
  paymentId: { type: 'string' },
  provider: { type: 'string' },
  amount: AMOUNT_VND,
  reason: { type: 'string' },
  status: { type: 'string', enum: ['PENDING', 'SUCCEEDED', 'FAILED'], description: 'PENDING: the provider has not confirmed yet; FAILED: it refused, the amount is refundable again' },
  providerRefundId: { type: ['string', 'null'] },
  providerCode: { type: ['string', 'null'] },
  createdAt: DATE_TIME,
  updatedAt: DATE_TIME,
} as const;

export const Refund = {
  $id: 'Refund',
  type: 'object',
  required: ['refundId', 'paymentId', 'amount', 'status', 'createdAt'],
  properties: refundProperties,
} as const;

export const Payment = {
  $id: 'Payment',
  type: 'object',
  required: ['paymentId', 'status', 'agencyCode', 'kind', 'amount', 'currency', 'providers', 'expiresAt', 'createdAt', 'attempts', 'refunds'],
  properties: {
    paymentId: { type: 'string' },
    status: { type: 'string', enum: STATUSES },
    agencyCode: { type: 'string' },
    externalReference: { type: ['string', 'null'], description: 'The agency’s own reference (portal payment platform MaThamChieu)' },
    dossierCode: { type: ['string', 'null'] },
    procedureCode: { type: ['string', 'null'] },
    kind: { type: 'string' },
    payer: { type: 'object', additionalProperties: true },
    items: { type: 'array', items: { type: 'object', additionalProperties: true } },
    amount: AMOUNT_VND,
    currency: { const: 'VND' },
    beneficiary: { type: 'object', additionalProperties: true },
    description: { type: 'string' },
    returnUrl: { type: 'string' },
    notifyUrl: { type: ['string', 'null'] },
    fine: { type: ['object', 'null'], additionalProperties: true },
    providers: { type: 'array', items: { type: 'string' }, description: 'Providers the citizen can pay with' },
    provider: { type: ['string', 'null'], description: 'The provider that was paid' },
    providerTransactionId: { type: ['string', 'null'] },
    paidAt: NULLABLE_DATE_TIME,
    refundedAmount: AMOUNT_VND,
    refundableAmount: { ...AMOUNT_VND, description: 'What a new refund may take: paid, less refunded and refunds still pending' },
    expiresAt: DATE_TIME,
    createdAt: DATE_TIME,
    updatedAt: DATE_TIME,
    attempts: { type: 'array', items: attempt },
    refunds: { type: 'array', items: { type: 'object', properties: refundProperties } },
  },
} as const;

export const NewCheckout = {
  $id: 'NewCheckout',
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'clientIp'],
  properties: {
    provider: PROVIDER_ID,
    bankCode: { type: 'string', pattern: '^[A-Za-z0-9_]{1,20}$', description: 'A bank the citizen chose, in the provider’s own code' },
    clientIp: { anyOf: [{ type: 'string', format: 'ipv4' }, { type: 'string', format: 'ipv6' }], description: 'The citizen’s IP address' },
    locale: { type: 'string', enum: ['vi', 'en'], default: 'vi' },
  },
} as const;

export const Checkout = {
  $id: 'Checkout',
  type: 'object',
  required: ['attemptId', 'provider', 'expiresAt'],
  properties: {
    attemptId: { type: 'string' },
    provider: { type: 'string' },
    redirectUrl: { type: 'string', description: 'Send the citizen’s browser here' },
    qr: { type: 'object', required: ['payload'], properties: { payload: { type: 'string', description: 'Show as a QR code (VietQR: EMVCo string)' } } },
    expiresAt: DATE_TIME,
  },
} as const;

export const NewRefund = {
  $id: 'NewRefund',
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'reason', 'expectedRefundableAmount'],
  properties: {
    amount: POSITIVE_AMOUNT,
    reason: TEXT(500),
    expectedRefundableAmount: { ...AMOUNT_VND, description: 'What you believe is still refundable (the payment’s refundableAmount); a different figure at the hub → 409 REFUND_AMOUNT_MISMATCH' },
  },
} as const;

const settlementLine = { type: 'object', additionalProperties: true } as const;

export const Reconciliation = {
  $id: 'Reconciliation',
  type: 'object',
  required: ['reconciliationId', 'provider', 'date', 'matched', 'missingInHub', 'missingAtProvider', 'amountMismatches'],
  properties: {
    reconciliationId: { type: 'string' },
    provider: { type: 'string' },
    date: { type: 'string', format: 'date' },
    format: { type: 'string' },
    fileSha256: { type: 'string' },
    matched: { type: 'integer' },
    missingInHub: { type: 'array', items: settlementLine, description: 'In the provider’s file, not in the hub’s ledger' },
    missingAtProvider: { type: 'array', items: settlementLine, description: 'In the hub’s ledger, not in the provider’s file' },
    amountMismatches: { type: 'array', items: settlementLine },
    duplicatesInFile: { type: 'array', items: settlementLine },
    createdAt: DATE_TIME,
  },
} as const;
