/**
 * VNPay's field formats: dates as yyyyMMddHHmmss in Vietnam's time (GMT+7, no daylight
 * saving), amounts in hundredths of a dong, and texts without Vietnamese marks.
 */
const GMT7_OFFSET_MS = 7 * 60 * 60 * 1000;
/** vnp_Amount is Numeric[1,12] hundredths of a dong. */
export const MAX_VND = 9_999_999_999;

export function vnpayTimestamp(date: Date): string {
  const local = new Date(date.getTime() + GMT7_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${local.getUTCFullYear()}${two(local.getUTCMonth() + 1)}${two(local.getUTCDate())}${two(local.getUTCHours())}${two(local.getUTCMinutes())}${two(local.getUTCSeconds())}`;
}

export function toVnpayAmount(vnd: number): string {
  if (!Number.isSafeInteger(vnd) || vnd <= 0 || vnd > MAX_VND) throw new RangeError(`vnpay: amount ${vnd} is not a whole number of dong between 1 and ${MAX_VND}`);
  return `${vnd}00`;
}

/** Integer VND from a vnp_Amount, or undefined when it is not a whole number of dong. */
export function fromVnpayAmount(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,13}00$/.test(value)) return undefined;
  return Number(value.slice(0, -2));
}

/**
 * A text VNPay accepts (vnp_OrderInfo: "Tiếng Việt không dấu", no special characters): marks
 * removed, đ → d, then only letters, digits, space and . , : _ / - kept. That alphabet is
 * form-encoded the same way by every VNPay SDK, so the checksum cannot depend on which one
 * VNPay's own servers follow, and '|' never reaches a pipe-joined checksum.
 */
export function vnpayText(text: string, maxLength: number): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9 .,:_/-]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, maxLength)
    .trim();
}
