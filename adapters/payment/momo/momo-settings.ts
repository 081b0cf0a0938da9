import type { ProviderSettings } from '../connector';

/** A MoMo party's settings (api-contract.md, Operating contract): the names the contract gives, nothing more. */
export interface MomoSettings {
  partnerCode: string;
  accessKey: string;
  secretKey: string;
  /** The API origin without a trailing slash: https://payment.momo.vn, https://test-payment.momo.vn. */
  baseUrl: string;
}

export const momoSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['partnerCode', 'accessKey', 'secretKey', 'baseUrl'],
  properties: {
    // MoMo documents String(20), yet its own sandbox codes run longer (MOMOT5BZ20231213_TEST).
    partnerCode: { type: 'string', minLength: 1, maxLength: 50, pattern: '^[0-9A-Za-z_.-]+$' },
    accessKey: { type: 'string', minLength: 1, maxLength: 255 },
    secretKey: { type: 'string', minLength: 1, maxLength: 255 },
    baseUrl: { type: 'string', pattern: '^https?://[^\\s/?#]+/?$' },
  },
} as const;

/**
 * The settings, typed. They were validated against the schema at boot, so a failure here is a
 * wiring bug; the message names the field, never its value.
 */
export function momoSettings(settings: ProviderSettings): MomoSettings {
  const read = (name: keyof MomoSettings): string => {
    const value = settings[name];
    if (typeof value !== 'string' || value === '') throw new TypeError(`momo settings: ${name} must be a non-empty string`);
    return value;
  };
  return { partnerCode: read('partnerCode'), accessKey: read('accessKey'), secretKey: read('secretKey'), baseUrl: read('baseUrl').replace(/\/$/, '') };
}
