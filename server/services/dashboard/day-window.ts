const HOUR_MS = 3_600_000;

/**
 * Midnight of `now`'s day where the clock runs `tzOffsetMinutes` behind UTC (the sign of
 * `Date#getTimezoneOffset()`: 60 for UTC−1, −120 for UTC+2).
 */
export function dayStart(now: Date, tzOffsetMinutes: number): Date {
  const offsetMs = tzOffsetMinutes * 60_000;
  const local = new Date(now.getTime() - offsetMs);
  local.setUTCHours(0, 0, 0, 0);
  return new Date(local.getTime() + offsetMs);
}

/**
 * The 24 hours of the chart, oldest first: the current hour (which has begun) and the 23 before,
 * each starting on the hour of the supervisor's clock (half-hour zones included).
 */
export function lastDayHours(now: Date, tzOffsetMinutes: number): { from: Date; to: Date }[] {
  const offsetMs = tzOffsetMinutes * 60_000;
  const current = Math.floor((now.getTime() - offsetMs) / HOUR_MS) * HOUR_MS + offsetMs;
  return Array.from({ length: 24 }, (_, i) => {
    const from = current - (23 - i) * HOUR_MS;
    return { from: new Date(from), to: new Date(from + HOUR_MS) };
  });
}
