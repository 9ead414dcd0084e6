/** Formats epoch milliseconds as the API's timestamp, `2026-10-01 12:00:00.000000+00`. */
export function formatTimestamp(millis: number): string {
  const iso = new Date(millis).toISOString(); // 2026-10-01T12:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00`;
}

export function formatNullableTimestamp(millis: number | null | undefined): string | null {
  return millis === null || millis === undefined ? null : formatTimestamp(millis);
}

// Date, then optionally a time (`T` or a space) with seconds, a fraction and a UTC offset.
const TIMESTAMP_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?))?$/;

/**
 * Parses an ISO 8601 timestamp with a UTC offset (`2026-10-01T12:00:00Z`,
 * `2026-10-01T14:00:00.5+02:00`), a date alone (midnight UTC), or the API's own
 * form (`2026-10-01 12:00:00.000000+00`) into epoch milliseconds. Fractions
 * finer than a millisecond are truncated. Returns null for anything else,
 * including impossible dates such as February 30.
 */
export function parseTimestamp(text: string): number | null {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offsetHours, offsetMinutes] = match;

  // A time needs an offset: without one its instant would depend on the server's time zone.
  if (hour !== undefined && zulu === undefined && sign === undefined) return null;

  const fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    millisecond: Number((fraction ?? '').padEnd(3, '0').slice(0, 3)),
  };
  const offsetMs = ((Number(offsetHours ?? 0) * 60 + Number(offsetMinutes ?? 0)) * 60_000) * (sign === '-' ? -1 : 1);
  if (fields.hour > 23 || fields.minute > 59 || fields.second > 59) return null;
  if (Number(offsetHours ?? 0) > 23 || Number(offsetMinutes ?? 0) > 59) return null;

  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour, fields.minute, fields.second, fields.millisecond);
  // Date rolls overflowing days into the next month, so a changed day means an impossible date.
  if (date.getUTCFullYear() !== fields.year || date.getUTCMonth() !== fields.month - 1 || date.getUTCDate() !== fields.day) {
    return null;
  }
  return date.getTime() - offsetMs;
}
