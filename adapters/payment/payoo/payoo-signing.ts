import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Payoo's checksums are all SHA-512 of the checksum key followed by some text, written as
 * upper-case hex (dilab/omnipay-payoo; Payoo's integration samples). Only the text differs:
 * the order XML, the notify's KeyFields values, the browser return's fields, the
 * Business API's JSON.
 */
export function sha512Hex(input: string): string {
  return createHash('sha512').update(input, 'utf8').digest('hex').toUpperCase();
}

/** The order XML sent to create a checkout, and the Business API's RequestData / ResponseData: key + text. */
export function payloadChecksum(checksumKey: string, payload: string): string {
  return sha512Hex(`${checksumKey}${payload}`);
}

/** The server notify: key and the KeyFields values joined with `|`. */
export function notifySignature(checksumKey: string, keyFieldValues: readonly string[]): string {
  return sha512Hex([checksumKey, ...keyFieldValues].join('|'));
}

/** The browser return: key + session + `.` + order_no + `.` + status. */
export function returnChecksum(checksumKey: string, session: string, orderNo: string, status: string): string {
  return sha512Hex(`${checksumKey}${session}.${orderNo}.${status}`);
}

/**
 * Compares a checksum we computed (upper-case) with the one received, in constant time.
 * Payoo sends upper case but omnipay-payoo compares case-insensitively, so we do too.
 */
export function checksumsEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received.toUpperCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
