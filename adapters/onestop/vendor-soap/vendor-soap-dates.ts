/**
 * The vendor's times are xs:dateTime. Its services write Vietnam's wall clock without a zone
 * (`2026-11-24T08:30:15`, as .NET's DateTimeKind.Unspecified serialises), which means
 * Asia/Ho_Chi_Minh (UTC+7, no daylight saving); a time that does carry a zone (`Z`,
 * `+07:00`) is honoured. Fractions beyond milliseconds (.NET writes seven digits) are cut.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;
const XS_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](\d{2}):(\d{2}))?$/;

/** xs:dateTime → RFC 3339 in +07:00, or undefined when it is not a real time. */
export function fromXsDateTime(text: string): string | undefined {
  const match = XS_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN, second = NaN] = match.slice(1, 7).map(Number);
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const probe = new Date(wallClock);
  // Date.UTC rolls impossible parts over (13th month, 30 February, hour 24): a real time reads back unchanged.
  const real =
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    probe.getUTCHours() === hour &&
    probe.getUTCMinutes() === minute &&
    probe.getUTCSeconds() === second;
  if (!real) return undefined;
  const zone = match[8];
  if (zone === undefined) return vietnamTime(wallClock - VIETNAM_OFFSET_MS);
  if (zone === 'Z') return vietnamTime(wallClock);
  const offsetHours = Number(match[9]);
  const offsetMinutes = Number(match[10]);
  if (offsetHours > 14 || offsetMinutes > 59) return undefined;
  const offsetMs = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return vietnamTime(wallClock - offsetMs);
}

/** An instant as RFC 3339 in +07:00, milliseconds only when there are some. */
function vietnamTime(instantMs: number): string {
  const local = new Date(instantMs + VIETNAM_OFFSET_MS).toISOString();
  const millis = local.slice(19, 23);
  return `${local.slice(0, 19)}${millis === '.000' ? '' : millis}+07:00`;
}

/** An instant as RFC 3339 in +07:00, truncated to the second (a status without its own time takes the receive time so). */
export function toVietnamSecond(instant: Date): string {
  return vietnamTime(Math.floor(instant.getTime() / 1000) * 1000);
}

/** An RFC 3339 text → the vendor's zone-less local xs:dateTime; '' when absent or unreadable. */
export function toXsDateTime(value: unknown): string {
  if (typeof value !== 'string') return '';
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) return '';
  return vietnamTime(millis).slice(0, -'+07:00'.length);
}
