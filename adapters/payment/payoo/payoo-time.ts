/**
 * Payoo reads every date in Vietnam's time (GMT+7, no daylight saving), whatever the
 * hub's clock zone: the order's ship date and validity, the Business API's PurchaseDate.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

interface VietnamTime {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

function vietnamTime(date: Date): VietnamTime {
  const shifted = new Date(date.getTime() + VIETNAM_OFFSET_MS);
  const two = (value: number) => String(value).padStart(2, '0');
  return {
    year: String(shifted.getUTCFullYear()),
    month: two(shifted.getUTCMonth() + 1),
    day: two(shifted.getUTCDate()),
    hour: two(shifted.getUTCHours()),
    minute: two(shifted.getUTCMinutes()),
    second: two(shifted.getUTCSeconds()),
  };
}

/** `dd/MM/yyyy`: the order's `order_ship_date`. */
export function shipDate(date: Date): string {
  const t = vietnamTime(date);
  return `${t.day}/${t.month}/${t.year}`;
}

/** `yyyyMMddHHmmss`: the order's `validity_time` (omnipay-payoo's `YmdHms` repeats the month where the minutes belong; Payoo's samples and other integrations write minutes). */
export function validityTime(date: Date): string {
  const t = vietnamTime(date);
  return `${t.year}${t.month}${t.day}${t.hour}${t.minute}${t.second}`;
}

/** `yyyyMMdd`: the Business API's `PurchaseDate`. */
export function purchaseDate(date: Date): string {
  const t = vietnamTime(date);
  return `${t.year}${t.month}${t.day}`;
}

/** `yyMMdd`: the day a reference was made, for people reading Payoo's back office. */
export function referenceDay(date: Date): string {
  const t = vietnamTime(date);
  return `${t.year.slice(-2)}${t.month}${t.day}`;
}
