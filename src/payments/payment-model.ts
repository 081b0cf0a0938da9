import type { ProviderResult } from '../../adapters/payment/connector';

/** A payment as the hub holds it (one row of `payments`, its attempts and refunds included). */
export const PAYMENT_KINDS = ['FEE', 'TAX', 'FINE', 'INSURANCE', 'UTILITY', 'COURT_FEE', 'HOSPITAL_FEE', 'TUITION'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];

export const PAYMENT_STATUSES = ['CREATED', 'PENDING', 'PAID', 'FAILED', 'EXPIRED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The create-payment body (api-contract.md, Payments), as accepted. */
export interface PaymentRequest {
  agencyCode: string;
  dossierCode?: string;
  procedureCode?: string;
  kind: PaymentKind;
  payer: { name: string; idNumber?: string; address?: string };
  items: { code?: string; name: string; amount: number }[];
  amount: number;
  currency: 'VND';
  beneficiary: { accountNumber: string; bankCode: string; accountName: string };
  description: string;
  returnUrl: string;
  notifyUrl?: string;
  expiresAt?: string;
  fine?: { decisionNumber: string; decisionDate: string; decidingAgency: string; treasury: string };
}

export type AttemptStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface PaymentAttempt {
  id: string;
  provider: string;
  reference: string;
  status: AttemptStatus;
  amount: number;
  clientIp: string;
  locale: 'vi' | 'en';
  bankCode: string | null;
  redirectUrl: string | null;
  qrPayload: string | null;
  providerOrderId: string | null;
  providerTransactionId: string | null;
  /** The provider's own code for the last status it gave (kept for support). */
  providerCode: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the sweeper last asked the provider about it. */
  queriedAt: string | null;
}

export type RefundStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface PaymentRefund {
  id: string;
  provider: string;
  reference: string;
  amount: number;
  reason: string;
  status: RefundStatus;
  providerRefundId: string | null;
  providerCode: string | null;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentState {
  id: string;
  agencyCode: string;
  ownerPartyCode: string;
  externalReference: string | null;
  status: PaymentStatus;
  request: PaymentRequest;
  attempts: PaymentAttempt[];
  refunds: PaymentRefund[];
  refundedAmount: number;
  expiresAt: Date;
  paidAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** What a provider told the hub about one attempt, verified (a callback, a return, a query answer). */
export interface ProviderFact {
  provider: string;
  reference: string;
  result: ProviderResult;
  amount: number | undefined;
  merchantCode: string | undefined;
  providerTransactionId: string | undefined;
  providerCode: string | undefined;
}
