import type { ProviderSettings } from '../connector';

/** A VNPay party's settings (api-contract.md, Operating contract), plus one optional setting the protocol needs. */
export interface VnpaySettings {
  tmnCode: string;
  hashSecret: string;
  /** The payment page's origin without a trailing slash (https://sandbox.vnpayment.vn); the page is /paymentv2/vpcpay.html. */
  baseUrl: string;
  /** The full querydr/refund URL: production serves it from another host than the page (merchant.vnpay.vn). */
  apiUrl: string;
  /**
   * Not named by the contract. VNPay documents querydr's and refund's vnp_IpAddr as the address
   * of the server calling the API, which the hub cannot know behind NAT; unset, the attempt's
   * client IP is sent instead (VNPay only folds it into the checksum, as far as public sources show).
   */
  serverIpAddr: string | undefined;
}

export const vnpaySettingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tmnCode', 'hashSecret', 'baseUrl', 'apiUrl'],
  properties: {
    // VNPay documents vnp_TmnCode as Alphanumeric[8].
    tmnCode: { type: 'string', pattern: '^[0-9A-Za-z]{8}$' },
    hashSecret: { type: 'string', minLength: 16, maxLength: 255 },
    baseUrl: { type: 'string', pattern: '^https?://[^\\s/?#]+/?$', description: 'Payment page origin, e.g. https://sandbox.vnpayment.vn' },
    apiUrl: { type: 'string', pattern: '^https?://[^\\s/?#]+/[^\\s?#]*$', description: 'e.g. https://sandbox.vnpayment.vn/merchant_webapi/api/transaction' },
    serverIpAddr: { type: 'string', pattern: '^[0-9A-Fa-f:.]{2,45}$', description: 'Optional: the hub’s public IP, sent as vnp_IpAddr on querydr and refund' },
  },
} as const;

/**
 * The settings, typed. They were validated against the schema at boot, so a failure here is a
 * wiring bug; the message names the field, never its value.
 */
export function vnpaySettings(settings: ProviderSettings): VnpaySettings {
  const read = (name: 'tmnCode' | 'hashSecret' | 'baseUrl' | 'apiUrl'): string => {
    const value = settings[name];
    if (typeof value !== 'string' || value === '') throw new TypeError(`vnpay settings: ${name} must be a non-empty string`);
    return value;
  };
  const serverIpAddr = settings.serverIpAddr;
  if (serverIpAddr !== undefined && (typeof serverIpAddr !== 'string' || serverIpAddr === '')) throw new TypeError('vnpay settings: serverIpAddr must be a non-empty string');
  return {
    tmnCode: read('tmnCode'),
    hashSecret: read('hashSecret'),
    baseUrl: read('baseUrl').replace(/\/$/, ''),
    apiUrl: read('apiUrl'),
    serverIpAddr,
  };
}
