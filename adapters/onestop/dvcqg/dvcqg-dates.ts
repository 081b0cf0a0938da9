/**
 * The portal's times: `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh (UTC+7, no daylight saving since
 * 1975), with an empty string for "no time". The canonical side speaks RFC 3339; times read
 * here keep their local wall-clock digits and gain the +07:00 offset, so nothing is rounded.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const PORTAL_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** `20261124083015` → `2026-11-24T08:30:15+07:00`, or undefined when it is not a real time (month 13, 30 February, 24:00...). */
export function fromPortalTime(text: string): string | undefined {
  const digits = PORTAL_TIME.exec(text);
  if (!digits) return undefined;
  const [year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN, second = NaN] = digits.slice(1).map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls impossible parts over (13th month, 30 February, hour 24) and maps years below 100 to 19xx: a real time reads back unchanged.
  const real =
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    probe.getUTCHours() === hour &&
    probe.getUTCMinutes() === minute &&
    probe.getUTCSeconds() === second;
  if (!real) return undefined;
  const [, y, mo, d, h, mi, s] = digits;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}+07:00`;
}

/** An instant as the portal writes it (Vietnam's wall clock, to the second). */
export function toPortalTime(instant: Date): string {
  return new Date(instant.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** An instant as RFC 3339 in +07:00, truncated to the second (a status synced without its own time takes the receive time so). */
export function toVietnamSecond(instant: Date): string {
  const local = new Date(Math.floor(instant.getTime() / 1000) * 1000 + VIETNAM_OFFSET_MS).toISOString();
  return `${local.slice(0, 19)}+07:00`;
}

/** An RFC 3339 text of a canonical resource → the portal's time; '' when absent or unreadable. */
export function portalTimeOf(value: unknown): string {
  if (typeof value !== 'string') return '';
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? '' : toPortalTime(new Date(millis));
}
