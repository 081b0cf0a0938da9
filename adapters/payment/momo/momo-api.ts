import { type ConnectorContext, ProviderUnavailableError } from '../connector';
import type { MomoSettings } from './momo-settings';

/**
 * One call to a MoMo API (create, query, refund): POST JSON, answer JSON with a `resultCode`.
 * MoMo answers business refusals with a 4xx and a resultCode, so any status below 500 with a
 * readable answer is returned for the caller to judge; a 5xx, an unreadable answer or an
 * answer about another order or merchant is ProviderUnavailableError.
 */
export interface MomoAnswer {
  resultCode: number;
  fields: Readonly<Record<string, unknown>>;
  /** The answer as received, for the ledger. */
  raw: string;
}

export async function callMomo(context: ConnectorContext, settings: MomoSettings, api: 'create' | 'query' | 'refund', body: { orderId: string } & Record<string, unknown>): Promise<MomoAnswer> {
  const response = await context.http.request({
    method: 'POST',
    url: `${settings.baseUrl}/v2/gateway/api/${api}`,
    headers: { 'content-type': 'application/json; charset=UTF-8', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 500) throw new ProviderUnavailableError(`MoMo ${api} answered HTTP ${response.status}`);

  let answer: unknown;
  try {
    answer = JSON.parse(response.body);
  } catch {
    throw new ProviderUnavailableError(`MoMo ${api} answered HTTP ${response.status} with a body that is not JSON`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new ProviderUnavailableError(`MoMo ${api} answered HTTP ${response.status} without a JSON object`);
  const fields = answer as Record<string, unknown>;
  if (typeof fields.resultCode !== 'number' || !Number.isSafeInteger(fields.resultCode)) throw new ProviderUnavailableError(`MoMo ${api} answered HTTP ${response.status} without a resultCode`);
  // MoMo echoes both; an answer naming another order or merchant is not an answer to this call.
  if (fields.orderId !== undefined && fields.orderId !== body.orderId) throw new ProviderUnavailableError(`MoMo ${api} answered about another order`);
  if (fields.partnerCode !== undefined && fields.partnerCode !== settings.partnerCode) throw new ProviderUnavailableError(`MoMo ${api} answered for another partnerCode`);
  return { resultCode: fields.resultCode, fields, raw: response.body };
}

/** MoMo's `message`, made safe for an error message: one line, bounded. */
export function momoMessage(fields: Readonly<Record<string, unknown>>): string {
  return typeof fields.message === 'string' ? oneLine(fields.message, 200) : '(no message)';
}

/** Text for a signed MoMo field: control characters and runs of spaces collapsed, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  return Array.from(text.replace(/[\p{Cc}\s]+/gu, ' ').trim())
    .slice(0, max)
    .join('');
}

/** A MoMo integer id (transId) as text: a safe integer in JSON, or digits; 0 means none. */
export function momoId(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && /^[0-9]{1,15}$/.test(text) && Number(text) !== 0 ? text : undefined;
}
