import {
  type CallbackOutcome,
  type ConnectorContext,
  type Notice,
  type PaymentConnector,
  type ProviderAnswer,
  type ProviderResult,
  ProviderUnavailableError,
  type RawHttpRequest,
} from '../connector';
import { SIGNATURE_HEADER, type SandboxNotice, sign, signQuery, signedQuery, verify } from './sandbox-protocol';

/**
 * The sandbox provider: the hub's demonstration bank (see sandbox-protocol.ts). The hub
 * fills its settings itself (the bank's URL under its own, and a secret), so a party
 * declaring it needs none.
 */
interface SandboxSettings {
  baseUrl: string;
  secret: string;
}

const settingsOf = (context: ConnectorContext) => context.settings as unknown as SandboxSettings;

function readNotice(body: unknown): SandboxNotice | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const n = body as Record<string, unknown>;
  const ok =
    typeof n.reference === 'string' &&
    Number.isSafeInteger(n.amount) &&
    (n.result === 'SUCCEEDED' || n.result === 'FAILED') &&
    typeof n.transactionId === 'string' &&
    n.merchant === 'sandbox' &&
    typeof n.at === 'string';
  return ok ? (n as unknown as SandboxNotice) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const ANSWERS: Record<CallbackOutcome, ProviderAnswer> = {
  ACCEPTED: { status: 200, contentType: 'application/json', body: '{"received":true}' },
  ALREADY_CONFIRMED: { status: 200, contentType: 'application/json', body: '{"received":true}' },
  UNKNOWN_ORDER: { status: 404, contentType: 'application/json', body: '{"received":false,"error":"UNKNOWN_ORDER"}' },
  AMOUNT_MISMATCH: { status: 422, contentType: 'application/json', body: '{"received":false,"error":"AMOUNT_MISMATCH"}' },
  MERCHANT_MISMATCH: { status: 422, contentType: 'application/json', body: '{"received":false,"error":"MERCHANT_MISMATCH"}' },
  INVALID_SIGNATURE: { status: 401, contentType: 'application/json', body: '{"received":false,"error":"INVALID_SIGNATURE"}' },
  MALFORMED: { status: 400, contentType: 'application/json', body: '{"received":false,"error":"MALFORMED"}' },
  RETRY_LATER: { status: 503, contentType: 'application/json', body: '{"received":false,"error":"RETRY_LATER"}' },
};

async function call(context: ConnectorContext, path: string, body: Record<string, unknown>): Promise<{ text: string; json: Record<string, unknown> }> {
  const { baseUrl, secret } = settingsOf(context);
  const text = JSON.stringify(body);
  const response = await context.http.request({ method: 'POST', url: `${baseUrl}${path}`, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, text) }, body: text });
  if (response.status !== 200) throw new ProviderUnavailableError(`the sandbox bank answered HTTP ${response.status}`);
  const json = parseJson(response.body);
  if (!verify(secret, response.body, response.headers[SIGNATURE_HEADER]) || typeof json !== 'object' || json === null) {
    throw new ProviderUnavailableError('the sandbox bank’s answer is not signed');
  }
  return { text: response.body, json: json as Record<string, unknown> };
}

const resultOf = (status: unknown): ProviderResult => (status === 'SUCCEEDED' ? 'SUCCEEDED' : status === 'FAILED' ? 'FAILED' : 'PENDING');

export const sandboxConnector: PaymentConnector = {
  kind: 'sandbox',
  settingsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      baseUrl: { type: 'string', pattern: '^https?://', description: 'Filled by the hub: {PUBLIC_URL}/sandbox' },
      secret: { type: 'string', minLength: 16, description: 'Filled by the hub' },
    },
  },
  callbackAuthentication: `HMAC-SHA256 (hex) of the JSON body in ${SIGNATURE_HEADER}`,

  reference: (token) => `SBX${token}`,
  merchantCode: () => 'sandbox',

  async createCheckout(context, order) {
    const { baseUrl, secret } = settingsOf(context);
    const query = signQuery(secret, {
      reference: order.reference,
      amount: String(order.amount),
      description: order.description,
      callbackUrl: context.callbackUrl,
      returnUrl: context.returnUrl,
      expiresAt: order.expiresAt.toISOString(),
    });
    return { redirectUrl: `${baseUrl}/pay?${query}` };
  },

  parseCallback(context, request: RawHttpRequest): Notice {
    const notice = readNotice(parseJson(request.body));
    const reference = notice?.reference;
    if (!verify(settingsOf(context).secret, request.body, request.headers[SIGNATURE_HEADER])) return { verified: false, problem: 'INVALID_SIGNATURE', reference };
    if (!notice) return { verified: false, problem: 'MALFORMED', reference: undefined };
    return {
      verified: true,
      reference: notice.reference,
      amount: notice.amount,
      merchantCode: notice.merchant,
      result: notice.result,
      providerTransactionId: notice.transactionId,
      providerCode: notice.result,
      eventKey: `${notice.transactionId}:${notice.result}`,
    };
  },

  parseReturn(context, request: RawHttpRequest): Notice {
    const params = new URL(request.url, 'http://return.invalid').searchParams;
    const reference = params.get('reference') ?? undefined;
    if (!verify(settingsOf(context).secret, signedQuery(params), params.get('sig') ?? undefined)) return { verified: false, problem: 'INVALID_SIGNATURE', reference };
    const amount = Number(params.get('amount'));
    const result = params.get('result');
    const transactionId = params.get('transactionId');
    if (!reference || !Number.isSafeInteger(amount) || (result !== 'SUCCEEDED' && result !== 'FAILED') || !transactionId) return { verified: false, problem: 'MALFORMED', reference };
    return { verified: true, reference, amount, merchantCode: 'sandbox', result, providerTransactionId: transactionId, providerCode: result, eventKey: `${transactionId}:${result}` };
  },

  answerCallback: (outcome) => ANSWERS[outcome],

  async queryStatus(context, attempt) {
    const { text, json } = await call(context, '/api/query', { reference: attempt.reference });
    const result = resultOf(json.status);
    const transactionId = typeof json.transactionId === 'string' ? json.transactionId : undefined;
    return {
      result,
      amount: Number.isSafeInteger(json.amount) ? (json.amount as number) : undefined,
      providerTransactionId: transactionId,
      providerCode: String(json.status),
      eventKey: `${transactionId ?? attempt.reference}:${result}`,
      raw: text,
    };
  },

  async refund(context, order) {
    const { text, json } = await call(context, '/api/refund', { reference: order.reference, paymentReference: order.attempt.reference, amount: order.amount, reason: order.reason });
    return { result: resultOf(json.status), providerRefundId: typeof json.refundId === 'string' ? json.refundId : undefined, providerCode: String(json.status), raw: text };
  },
};
