/**
 * Times: stored as UTC instants, answered in Vietnam's offset (+07:00, no DST),
 * as the contract asks.
 */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

export function toVietnamTime(instant: Date): string {
  const shifted = new Date(instant.getTime() + VIETNAM_OFFSET_MS).toISOString(); // 2026-11-24T09:30:00.000Z
  const millis = shifted.slice(19, 23);
  return `${shifted.slice(0, 19)}${millis === '.000' ? '' : millis}+07:00`;
}

export function toVietnamTimeOrNull(instant: Date | null | undefined): string | null {
  return instant ? toVietnamTime(instant) : null;
}

/** RFC 3339 date-time with a mandatory offset; "2026-11-24 09:30" or a bare local time is refused. */
export const RFC3339_PATTERN =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** RFC 3339 on a day that exists: the pattern and Date.parse alone let 2026-02-30 through (as March 2). */
export function isRfc3339(value: string): boolean {
  return RFC3339_PATTERN.test(value) && isCalendarDate(Number(value.slice(0, 4)), Number(value.slice(5, 7)), Number(value.slice(8, 10))) && !Number.isNaN(Date.parse(value));
}

/** Whether the day exists: Date.parse rolls 2026-02-30 over to March 2 rather than refusing it. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
