/**
 * A payment connector: how the hub speaks one bank's or intermediary's protocol. Connectors
 * are stateless translators (architecture.md): they never touch the database, Kafka or a
 * domain service. They build the provider's requests, verify what the provider sends, and
 * map the provider's statuses onto the few canonical ones below. The hub owns every
 * decision: which payment a callback belongs to, whether its amount and merchant match the
 * hub's record, what the payment's status becomes, and what is stored.
 *
 * Money is integer VND everywhere in this interface; a connector converts at its edge
 * (VNPay sends amount × 100).
 */

/** The provider's word on a transaction. Only an explicit success or failure is final; anything unknown is PENDING. */
export type ProviderResult = 'SUCCEEDED' | 'FAILED' | 'PENDING';

/** A provider's settings, as the parties file declares them (validated against `settingsSchema` at boot). */
export type ProviderSettings = Record<string, unknown>;

/** An HTTP request or answer as bytes on the wire: connectors that sign an exact string need the raw body. */
export interface RawHttpRequest {
  method: 'GET' | 'POST';
  /** The path with its query string, exactly as received (`/v1/callbacks/vnpay?vnp_Amount=...`). */
  url: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (empty for GET). */
  body: string;
}

export interface ProviderAnswer {
  status: number;
  /** Omitted for an empty answer (MoMo's 204). */
  contentType?: string;
  body: string;
}

export interface ProviderHttpResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/**
 * The hub's HTTP client, handed to connectors so that they import no HTTP library and every
 * provider call has the same timeouts, logging and metrics. It throws ProviderUnavailableError
 * when the provider cannot be reached or does not answer in time; any HTTP status is returned.
 */
export interface ProviderHttp {
  request(request: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse>;
}

/** The provider did not answer (connection refused, timeout) or answered with something unusable. The hub answers 502 PROVIDER_UNAVAILABLE and keeps the attempt to query later. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

export interface ConnectorContext {
  /** This provider party's settings. */
  settings: ProviderSettings;
  http: ProviderHttp;
  /** The hub's clock. */
  now: Date;
  /** Where this provider posts callbacks: `{PUBLIC_URL}/v1/callbacks/{provider}`. */
  callbackUrl: string;
  /** Where the citizen's browser comes back: `{PUBLIC_URL}/v1/payments/return/{provider}`. */
  returnUrl: string;
}

export interface CheckoutOrder {
  /**
   * The merchant reference the provider knows this attempt by (VNPay vnp_TxnRef, MoMo orderId,
   * ZaloPay app_trans_id, Payoo order_no, VietQR tag 62.08): made by `reference` below, unique per provider.
   */
  reference: string;
  amount: number;
  /** Plain text for the provider's page and the bank statement (≤ 200 chars; the connector trims it further if its protocol must). */
  description: string;
  /** The citizen's IP address, for providers that want it (VNPay vnp_IpAddr). */
  clientIp: string;
  locale: 'vi' | 'en';
  /** A bank the citizen picked at the agency's page, in the provider's own code (VNPay vnp_BankCode). */
  bankCode?: string | undefined;
  createdAt: Date;
  expiresAt: Date;
}

export interface Checkout {
  /** Where the citizen's browser goes to pay. */
  redirectUrl?: string;
  /** A payload to show as a QR code (VietQR's EMVCo string, MoMo's qrCodeUrl). */
  qr?: { payload: string };
  /** The provider's own id for the order, when it gives one at creation. */
  providerOrderId?: string;
}

/** A callback the connector could read and whose signature it verified. */
export interface VerifiedNotice {
  verified: true;
  reference: string;
  /** Integer VND, as the provider states it. */
  amount: number;
  /** The merchant the notice is addressed to (VNPay vnp_TmnCode, MoMo partnerCode, ...); undefined when the protocol does not carry one. */
  merchantCode: string | undefined;
  result: ProviderResult;
  /** The provider's transaction id (VNPay vnp_TransactionNo, MoMo transId, ZaloPay zp_trans_id...). */
  providerTransactionId: string | undefined;
  /** The provider's own code for a failure, kept for support (e.g. VNPay `24` = cancelled by the customer). */
  providerCode: string | undefined;
  /**
   * What makes this notice distinct in the provider's eyes: the ledger keeps one row per
   * (provider, eventKey), so a replayed notice is recognized. Typically reference + transaction
   * id + result code.
   */
  eventKey: string;
}

/** A callback the connector could not verify: the hub never trusts it, and asks the provider instead. */
export interface UnverifiedNotice {
  verified: false;
  /** Why, for the log and the answer. */
  problem: 'INVALID_SIGNATURE' | 'MALFORMED';
  /** The reference, when one could be read: the hub then queries the provider about it. */
  reference: string | undefined;
}

export type Notice = VerifiedNotice | UnverifiedNotice;

/** What the hub decided about a callback; the connector turns it into the provider's expected answer. */
export type CallbackOutcome =
  /** Verified, matched and recorded (a new fact, or a pending status noted). */
  | 'ACCEPTED'
  /** A replay, or a notice for an attempt already settled. */
  | 'ALREADY_CONFIRMED'
  | 'UNKNOWN_ORDER'
  | 'AMOUNT_MISMATCH'
  | 'MERCHANT_MISMATCH'
  | 'INVALID_SIGNATURE'
  | 'MALFORMED'
  /** The hub could not record it (database down): the provider should send it again. */
  | 'RETRY_LATER';

/** A status the hub asked the provider for (query / querydr). */
export interface StatusReport {
  result: ProviderResult;
  amount: number | undefined;
  providerTransactionId: string | undefined;
  providerCode: string | undefined;
  /** As in VerifiedNotice: a repeated answer to the same query adds nothing to the ledger. */
  eventKey: string;
  /** The provider's answer as received, for the ledger. */
  raw: string;
}

export interface AttemptRef {
  reference: string;
  amount: number;
  createdAt: Date;
  clientIp: string;
  providerTransactionId: string | undefined;
  providerOrderId: string | undefined;
}

export interface RefundOrder {
  /** The refund's own merchant reference (MoMo and ZaloPay want a new id per refund). */
  reference: string;
  amount: number;
  /** The attempt that was paid. */
  attempt: AttemptRef;
  /** The payment's paid amount: a refund of all of it is a full refund (VNPay TransactionType 02). */
  paidAmount: number;
  paidAt: Date;
  reason: string;
  /** Who asked, for providers that log it (VNPay vnp_CreateBy). */
  requestedBy: string;
}

export interface RefundReport {
  result: ProviderResult;
  providerRefundId: string | undefined;
  providerCode: string | undefined;
  raw: string;
}

export interface PaymentConnector {
  /** The party's `provider` value that selects this connector. */
  readonly kind: string;
  /** JSON Schema of the party's `settings` (api-contract.md, Operating contract). */
  readonly settingsSchema: Record<string, unknown>;
  /** How the provider authenticates its callbacks, for the docs: `HMAC-SHA512 over the sorted vnp_* fields`, ... */
  readonly callbackAuthentication: string;

  /** The merchant reference for a new attempt, from an opaque unique token (12 chars, [0-9A-Z]) and the time; must match what the provider accepts. */
  reference(token: string, now: Date): string;
  /** The merchant code the provider puts on its notices for this party's settings (compared by the hub), if its protocol has one. */
  merchantCode(settings: ProviderSettings): string | undefined;

  /** Starts paying: a redirect URL to the provider's page (built locally or by calling its create API), or a QR payload. */
  createCheckout(context: ConnectorContext, order: CheckoutOrder): Promise<Checkout>;
  /** Reads and verifies a server-to-server callback (IPN), in constant time. Never throws for bad input. */
  parseCallback(context: ConnectorContext, request: RawHttpRequest): Notice;
  /** Reads and verifies the citizen's browser return; providers that sign it the same way as the IPN reuse parseCallback. */
  parseReturn(context: ConnectorContext, request: RawHttpRequest): Notice;
  /** The exact answer the provider expects for the hub's decision about its callback. */
  answerCallback(outcome: CallbackOutcome): ProviderAnswer;
  /** Asks the provider for an attempt's status. Throws ProviderUnavailableError when it does not answer. */
  queryStatus(context: ConnectorContext, attempt: AttemptRef): Promise<StatusReport>;
  /** Asks the provider to refund; undefined when this provider has no refund API (the refund is then settled by hand). */
  refund?(context: ConnectorContext, order: RefundOrder): Promise<RefundReport>;
}
