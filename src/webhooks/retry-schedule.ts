/**
 * When a delivery is tried: the first attempt at once, then after each failure the next
 * delay of the schedule (Standard Webhooks' customary one, about three days in all); a
 * delivery that fails its last slot is given up (FAILED). A 429 or 503 with Retry-After
 * replaces the delay, not the count, so an endpoint that always asks for later still ends.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before each attempt, from the previous one; index 0 is the first attempt. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];

/** The longest wait a Retry-After header can impose. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** Delay before the next attempt after `attemptsMade` failed ones, or undefined when the schedule is spent. */
export function nextRetryDelay(schedule: readonly number[], attemptsMade: number): number | undefined {
  return schedule[attemptsMade];
}

/** Retry-After as delta-seconds or an HTTP date, capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now: Date): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * SECOND : Date.parse(trimmed) - now.getTime();
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
