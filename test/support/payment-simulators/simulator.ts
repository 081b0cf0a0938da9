import type { Checkout, CheckoutOrder, PaymentConnector, ProviderSettings, RawHttpRequest } from '../../../adapters/payment/connector';

/**
 * A local stand-in for one payment provider, speaking its real protocol over HTTP on
 * 127.0.0.1: it serves the provider's payment page and APIs (create, query, refund) and
 * sends its callbacks (IPN) the provider's way, signed with the provider's algorithm. Every
 * connector passes the shared contract suite (test/support/payment-contract.ts) against its
 * simulator; the end-to-end tests drive the hub through them.
 */
export type SimulatedApi = 'create' | 'query' | 'refund';

export interface CompletedPayment {
  /** The server-to-server notice the provider sent (or would have sent), exactly as on the wire; undefined when the provider sends none for this outcome (ZaloPay calls back only on success). */
  callback: RawHttpRequest | undefined;
  /** The citizen's browser coming back to the hub, when the provider redirects it. */
  browserReturn: RawHttpRequest | undefined;
}

export interface ProviderSimulator {
  /** The party settings that point the connector at this simulator. */
  readonly settings: ProviderSettings;
  /** Refunds the simulator accepted, in order. */
  readonly refunds: readonly { reference: string; amount: number }[];
  /**
   * The citizen at the provider's page: pays (or fails to pay) the order a checkout started.
   * The simulator checks the checkout as the provider would (its signature, amount, merchant)
   * and throws if the provider would refuse it. Unless `deliver` is false (a lost IPN), it
   * sends the callback to the hub's callback URL and waits for the answer.
   */
  complete(checkout: Checkout, order: CheckoutOrder, outcome: 'success' | 'failure', options?: { deliver?: boolean }): Promise<CompletedPayment>;
  /** Makes an API misbehave from now on: `timeout` never answers, `down` answers HTTP 503; undefined heals it. */
  fault(api: SimulatedApi, kind: 'timeout' | 'down' | undefined): void;
  stop(): Promise<void>;
}

export interface ConnectorHarness {
  connector: PaymentConnector;
  /** Starts the simulator; its callbacks go to `callbackUrl` (a full URL). */
  startSimulator(options: { callbackUrl: string; returnUrl: string }): Promise<ProviderSimulator>;
  /** The same callback with its amount changed and its signature left as it was: a forgery. */
  tamperAmount(callback: RawHttpRequest): RawHttpRequest;
  /** The provider's APIs this connector calls (VietQR calls none to create a checkout). */
  apis: readonly SimulatedApi[];
  /** Whether the provider sends a callback for a failed payment too (ZaloPay does not: the hub learns of failures by querying). */
  notifiesFailures: boolean;
  /** Whether the provider knows of failed payments at all (default true). A bank transfer that never happens is no failure anyone reports (VietQR): its status stays PENDING until the hub expires it. */
  reportsFailures?: boolean;
}

/** Splits a full URL into the RawHttpRequest `url` part (path and query). */
export function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

export type { ProviderSettings };
