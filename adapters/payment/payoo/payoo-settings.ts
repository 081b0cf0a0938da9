import type { ProviderSettings } from '../connector';

/**
 * A Payoo party's settings. The contract names four (api-contract.md, Operating contract);
 * the protocol needs a few more, all optional:
 * - `shopTitle`, `shopDomain`: the order XML carries them (omnipay-payoo requires them);
 *   by default the business username and the origin of the hub's return URL.
 * - `apiUrl`, `apiUsername`, `apiPassword`, `apiSignature`: Payoo's Business API
 *   (BusinessRestAPI.svc), the only way to ask Payoo for an order's status. Without them
 *   the hub cannot query Payoo and learns results from the notify and the browser return.
 * - `failedNotifyStates`, `failedOrderStatuses`: gaps. No public source names the notify
 *   `State` of a failed payment (omnipay-payoo knows only PAYMENT_RECEIVED and
 *   PAYMENT_PROCESSING) nor the Business API `PaymentStatus` of a failed or cancelled
 *   order (only 1 = paid is documented). Whatever Payoo confirms goes here; until then
 *   those answers stay PENDING and the attempt expires on its own.
 */
export const payooSettingsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['shopId', 'businessUsername', 'checksumKey', 'baseUrl'],
  properties: {
    shopId: { type: 'string', pattern: '^[0-9]{1,12}$', description: 'Payoo ShopID' },
    businessUsername: { type: 'string', minLength: 1, maxLength: 100, description: 'Payoo business username (order XML `username`)' },
    checksumKey: { type: 'string', minLength: 16, description: 'Payoo checksum key (SHA-512 secret)' },
    baseUrl: { type: 'string', pattern: '^https?://[^\\s/]+/?$', description: 'Payoo checkout origin, e.g. https://newsandbox.payoo.com.vn' },
    shopTitle: { type: 'string', minLength: 1, maxLength: 100 },
    shopDomain: { type: 'string', pattern: '^https?://[^\\s]+$' },
    apiUrl: { type: 'string', pattern: '^https?://[^\\s/]+/?$', description: 'Payoo Business API origin, e.g. https://bizsandbox.payoo.com.vn' },
    apiUsername: { type: 'string', minLength: 1 },
    apiPassword: { type: 'string', minLength: 1 },
    apiSignature: { type: 'string', minLength: 1 },
    failedNotifyStates: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[A-Z_]{1,40}$' } },
    failedOrderStatuses: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^-?[0-9]{1,4}$' } },
  },
  dependencies: { apiUrl: ['apiUsername', 'apiPassword', 'apiSignature'] },
};

export interface PayooBusinessApi {
  url: string;
  username: string;
  password: string;
  signature: string;
}

export interface PayooSettings {
  shopId: string;
  businessUsername: string;
  checksumKey: string;
  baseUrl: string;
  shopTitle: string | undefined;
  shopDomain: string | undefined;
  businessApi: PayooBusinessApi | undefined;
  failedNotifyStates: readonly string[];
  failedOrderStatuses: readonly string[];
}

/** The settings, already validated against the schema at boot; a party that slipped through is a configuration error. */
export function readPayooSettings(settings: ProviderSettings): PayooSettings {
  const required = (name: string): string => {
    const value = settings[name];
    if (typeof value !== 'string' || value === '') throw new Error(`payoo settings: ${name} is missing`);
    return value;
  };
  const optional = (name: string): string | undefined => (typeof settings[name] === 'string' ? (settings[name] as string) : undefined);
  const apiUrl = optional('apiUrl');
  return {
    shopId: required('shopId'),
    businessUsername: required('businessUsername'),
    checksumKey: required('checksumKey'),
    baseUrl: required('baseUrl').replace(/\/+$/, ''),
    shopTitle: optional('shopTitle'),
    shopDomain: optional('shopDomain'),
    businessApi: apiUrl
      ? { url: apiUrl.replace(/\/+$/, ''), username: required('apiUsername'), password: required('apiPassword'), signature: required('apiSignature') }
      : undefined,
    failedNotifyStates: stringList(settings.failedNotifyStates),
    failedOrderStatuses: stringList(settings.failedOrderStatuses),
  };
}

/** What reading a callback needs, without throwing: an unusable key verifies nothing. */
export function noticeSettings(settings: ProviderSettings): { checksumKey: string; failedNotifyStates: readonly string[] } {
  return {
    checksumKey: typeof settings.checksumKey === 'string' ? settings.checksumKey : '',
    failedNotifyStates: stringList(settings.failedNotifyStates),
  };
}

function stringList(value: unknown): readonly string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
