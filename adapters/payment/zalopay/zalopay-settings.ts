import type { ProviderSettings } from '../connector';

/**
 * A ZaloPay party's settings (api-contract.md, Operating contract). The contract's four names
 * cover the whole v2 protocol, so nothing optional is added.
 */
export const zalopaySettingsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['appId', 'key1', 'key2', 'baseUrl'],
  properties: {
    appId: { type: 'integer', minimum: 1, description: 'ZaloPay app_id of the merchant application' },
    key1: { type: 'string', minLength: 1, description: 'Mac key: signs the requests the hub sends' },
    key2: { type: 'string', minLength: 1, description: 'Callback key: verifies what ZaloPay sends' },
    baseUrl: { type: 'string', pattern: '^https?://[^/?#]+/?$', description: 'API origin, e.g. https://sb-openapi.zalopay.vn' },
  },
};

export interface ZalopaySettings {
  appId: number;
  key1: string;
  key2: string;
  /** Without a trailing slash. */
  baseUrl: string;
}

/**
 * The settings in typed form. They were validated against the schema at boot, so a failure
 * here is a wiring fault, reported without the keys' values.
 */
export function readSettings(settings: ProviderSettings): ZalopaySettings {
  const { appId, key1, key2, baseUrl } = settings;
  if (typeof appId !== 'number' || !Number.isSafeInteger(appId) || appId < 1) throw new Error('zalopay settings: appId must be a positive integer');
  if (typeof key1 !== 'string' || key1 === '') throw new Error('zalopay settings: key1 is missing');
  if (typeof key2 !== 'string' || key2 === '') throw new Error('zalopay settings: key2 is missing');
  if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/?#]+\/?$/.test(baseUrl)) throw new Error('zalopay settings: baseUrl must be an http(s) origin');
  return { appId, key1, key2, baseUrl: baseUrl.replace(/\/$/, '') };
}
