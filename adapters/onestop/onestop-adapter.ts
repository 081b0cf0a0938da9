import type { DossierEventInput, DossierHeaderInput, DossierResultInput } from '../../src/dossiers/dossier-model';

/**
 * A one-stop adapter: how the hub speaks one family of one-stop systems' own format (the
 * national portal's JSON, a vendor's SOAP XML, ...). Adapters are stateless translators
 * (architecture.md): they turn a native request into canonical dossier commands, and the
 * hub's outcomes into the native answer; the hub applies the commands through exactly the
 * same code path as the canonical API (validation, jurisdiction, transitions, outbox,
 * message log). They never touch the database or a domain service. Adding a system = one
 * folder under adapters/onestop + one line in adapters/onestop/registry.ts.
 */

/** A canonical dossier command (the canonical API's PUT header, POST event, PUT result). */
export type CanonicalCommand =
  | { kind: 'upsert'; dossierCode: string; header: DossierHeaderInput }
  | { kind: 'event'; dossierCode: string; event: DossierEventInput }
  | { kind: 'result'; dossierCode: string; result: DossierResultInput };

/** One item of a native message (a dossier of DongBoHoSoMC's `data`, one progress step...). */
export interface InboundItem {
  /** Position in the native message, 0-based. */
  index: number;
  dossierCode: string;
  /** Applied in order; the item is accepted only if all are. Empty for an item refused at translation. */
  commands: CanonicalCommand[];
  /** Why the item could not be translated (then it has no commands): a field path in the native message and a message. */
  problem?: { path: string; message: string };
}

/** What a native request asks for. `session`: the session token the message itself carries (the portal's format does), checked by the hub. */
export type InboundRequest =
  | { operation: 'sync'; agencyCode: string; session?: string; items: InboundItem[] }
  | { operation: 'lookup'; agencyCode: string; session?: string; dossierCodes: string[] }
  /** Refused as a whole (unreadable, unknown service...): answered natively without touching anything. */
  | { operation: 'refused'; code: 'MALFORMED' | 'UNKNOWN_SERVICE' | 'TOO_LARGE'; message: string };

/** The hub's decision on one item, in canonical terms. */
export interface ItemOutcome {
  index: number;
  dossierCode: string;
  /** HTTP-like status the canonical API would have answered (200/201 accepted, 4xx refused). */
  status: number;
  /** The canonical error code when refused (DOSSIER_TRANSITION_NOT_ALLOWED, VALIDATION_FAILED, ...). */
  code?: string;
  detail?: string;
}

/** A dossier as a lookup answers it (the canonical Dossier resource, as GET /v1/dossiers/{code} gives it). */
export type DossierView = Record<string, unknown> & { dossierCode: string };

export interface NativeAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface InboundContext {
  /** When the hub received the message: a status synced without its own time takes it (truncated to the second). */
  receivedAt: Date;
}

export interface OneStopAdapter {
  /** Its id in the registry and in routes (`dvcqg`, `vendor-soap`...). */
  readonly id: string;
  /** Reads a native request body (as text, exactly as received). Never throws for bad input. */
  read(body: string, context: InboundContext): InboundRequest;
  /** The native answer to a sync, from every item's outcome (items refused at translation included). */
  answerSync(outcomes: readonly ItemOutcome[]): NativeAnswer;
  /** The native answer to a lookup: the dossiers found (codes not found or outside the caller's jurisdiction are absent). */
  answerLookup(dossiers: readonly DossierView[], asked: readonly string[]): NativeAnswer;
  /** The native answer to a request refused as a whole (or an authentication failure: code UNAUTHENTICATED). */
  answerRefusal(code: 'MALFORMED' | 'UNKNOWN_SERVICE' | 'TOO_LARGE' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RETRY_LATER', message: string): NativeAnswer;
  /**
   * Outbound: a dossier a citizen submitted online (status SUBMITTED), as this system's own
   * "create" message, for the hub to push to an agency using this format.
   */
  renderSubmission(dossier: DossierView, context: { agencyCode: string }): { contentType: string; body: string };
  /** Whether the receiving system's answer to a pushed submission says it took it. Never throws. */
  readSubmissionAnswer(status: number, body: string): { accepted: boolean; reason?: string };
}
