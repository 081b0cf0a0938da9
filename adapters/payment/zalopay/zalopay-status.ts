import type { ProviderResult } from '../connector';

/**
 * ZaloPay's codes mapped onto the hub's results. Only an explicit success or failure is final;
 * a code ZaloPay has not documented is PENDING, so the hub asks again instead of guessing.
 */

/** `return_code` of /v2/query and /v2/refund: 1 SUCCESS, 2 FAIL, 3 PROCESSING (order not paid yet, or in progress). */
export function apiResult(returnCode: number): ProviderResult {
  switch (returnCode) {
    case 1:
      return 'SUCCEEDED';
    case 2:
      return 'FAILED';
    default:
      return 'PENDING';
  }
}

/**
 * `sub_return_code`s with which ZaloPay refuses the request itself (bad parameters, bad app or
 * mac, rate limit, system error, maintenance): return_code is then 2, yet ZaloPay has said
 * nothing about the transaction. A query answered so must not mark a payment FAILED.
 */
export const REQUEST_REFUSED_SUB_CODES: ReadonlySet<number> = new Set([-401, -402, -429, -500, -999]);

/**
 * `status` of the browser redirect: 1 is success; anything else is an error code of the
 * payment page (a cancellation, or a step still in progress). The redirect is never the last
 * word on a failure: the hub learns it from /v2/query, so every other status is PENDING.
 */
export function redirectResult(status: string): ProviderResult {
  return status === '1' ? 'SUCCEEDED' : 'PENDING';
}
