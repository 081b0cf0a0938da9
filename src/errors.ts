/**
 * The one catalogue of error codes. Each code says what went wrong and who is at
 * fault; the HTTP layer turns a HubError into RFC 9457 problem+json.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 422, title: 'The request does not match the schema' },
  MALFORMED_REQUEST: { status: 400, title: 'The request body could not be parsed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body has an unsupported media type' },
  UNAUTHENTICATED: { status: 401, title: 'A valid access token is required' },
  FORBIDDEN: { status: 403, title: 'The caller may not do this' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  DOSSIER_NOT_FOUND: { status: 404, title: 'No such dossier' },
  DOSSIER_TRANSITION_NOT_ALLOWED: { status: 409, title: 'The dossier cannot move to this status from its current one' },
  SEQUENCE_CONFLICT: { status: 409, title: 'This sequence number was already used with a different event' },
  DOSSIER_RESULT_NOT_ALLOWED: { status: 409, title: 'A result can only be synced once the dossier is resolved' },
  DOSSIER_ALREADY_SUBMITTED: { status: 409, title: 'This dossier was already submitted, with another body' },
  NO_RESPONSIBLE_PARTY: { status: 422, title: 'No connected one-stop system is responsible for this agency' },
  STALE_EVENT: { status: 409, title: 'The event is older than one already applied' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'This Idempotency-Key was used with a different request' },
  PAYMENT_STATE_CONFLICT: { status: 409, title: 'The payment is not in a state that allows this' },
  REFUND_AMOUNT_MISMATCH: { status: 409, title: 'The expected refundable amount differs from the hub’s' },
  PROVIDER_NOT_ENABLED: { status: 422, title: 'This payment provider is not enabled' },
  PROVIDER_UNAVAILABLE: { status: 502, title: 'The provider did not answer' },
  SUBSCRIPTION_DISABLED: { status: 409, title: 'The webhook subscription is disabled; subscribe again to receive events' },
  SUBSCRIPTION_DECLARED: { status: 409, title: 'This webhook subscription is declared in the parties file; only the operator changes it' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'The hub is shutting down or overloaded; retry' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface FieldProblem {
  /** JSON Pointer to the offending field inside `in` (body, query, path or header). */
  path: string;
  message: string;
  in?: 'body' | 'query' | 'path' | 'header';
}

export class HubError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldProblem[] | undefined;
  /** Extra members of the problem document (e.g. `from` / `to` of a refused transition). */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, options: { errors?: FieldProblem[]; extensions?: Record<string, unknown> } = {}) {
    super(detail ?? ERROR_CATALOGUE[code].title);
    this.name = 'HubError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.errors = options.errors;
    this.extensions = options.extensions;
  }
}

export function validationError(errors: FieldProblem[], detail?: string): HubError {
  return new HubError('VALIDATION_FAILED', detail ?? errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; '), { errors });
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `/problems/${code}`;
}

export function toProblem(error: HubError, instance: string, requestId: string): Problem {
  const problem: Problem = {
    ...error.extensions,
    type: problemType(error.code),
    title: ERROR_CATALOGUE[error.code].title,
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    requestId,
  };
  if (error.errors) problem.errors = error.errors;
  return problem;
}
