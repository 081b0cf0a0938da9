import type { ProviderSettings } from '../connector';

/**
 * A VietQR party's settings. The contract names bankBin, accountNumber, accountName and
 * noticeToken; the rest are this connector's own additions, all optional:
 * - noticeSigningKey: VietQR.vn's transaction-sync may carry a `sign` (HMAC-SHA256, see
 *   credit-notice.ts). The bearer token only says who sent a notice; the sign also covers its
 *   amount. Set it when the sender signs; then an unsigned notice is refused.
 * - creditWithoutTransType: VietQR.vn documents `transType` (C/D) as required, yet a notice
 *   logged in its own Q&A page comes without it. Whether such a notice is a credit is the
 *   sender's rule, not a public one: true reads it as a credit, otherwise it is only PENDING.
 * - transactionsUrl + apiToken: the aggregator's transaction list (SePay's
 *   GET /userapi/transactions/list with a bearer API token), asked before an attempt expires.
 */
export const vietqrSettingsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['bankBin', 'accountNumber', 'accountName', 'noticeToken'],
  properties: {
    bankBin: { type: 'string', pattern: '^[0-9]{6}$', description: 'Napas BIN of the receiving bank (970436 = Vietcombank)' },
    accountNumber: { type: 'string', pattern: '^[0-9A-Za-z]{4,19}$' },
    accountName: { type: 'string', minLength: 1, maxLength: 100 },
    noticeToken: { type: 'string', minLength: 16 },
    noticeSigningKey: { type: 'string', minLength: 16 },
    creditWithoutTransType: { type: 'boolean' },
    transactionsUrl: { type: 'string', pattern: '^https?://' },
    apiToken: { type: 'string', minLength: 1 },
  },
  dependencies: { transactionsUrl: ['apiToken'], apiToken: ['transactionsUrl'] },
};

export interface VietqrSettings {
  bankBin: string;
  accountNumber: string;
  accountName: string;
  noticeToken: string;
  noticeSigningKey: string | undefined;
  creditWithoutTransType: boolean;
  lookup: { transactionsUrl: string; apiToken: string } | undefined;
}

/** The settings, typed. They were validated at boot; this only guards against a caller that skipped it. */
export function readSettings(settings: ProviderSettings): VietqrSettings {
  const text = (name: string): string | undefined => {
    const value = settings[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const required = (name: string): string => {
    const value = text(name);
    if (value === undefined) throw new Error(`vietqr settings: ${name} is missing`);
    return value;
  };
  const transactionsUrl = text('transactionsUrl');
  const apiToken = text('apiToken');
  return {
    bankBin: required('bankBin'),
    accountNumber: required('accountNumber'),
    accountName: required('accountName'),
    noticeToken: required('noticeToken'),
    noticeSigningKey: text('noticeSigningKey'),
    creditWithoutTransType: settings.creditWithoutTransType === true,
    lookup: transactionsUrl !== undefined && apiToken !== undefined ? { transactionsUrl, apiToken } : undefined,
  };
}
