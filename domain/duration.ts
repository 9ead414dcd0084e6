/**
 * Durations of `delay` steps and `wait_for_event` timeouts, written as text
 * such as "30 minutes", "3 days" or "15m".
 */

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Maximum duration of a delay or a wait: 30 days, in milliseconds. */
export const MAX_DURATION_MS = 30 * DAY_MS;

const LONG_UNITS: Record<string, number> = {
  second: SECOND_MS,
  seconds: SECOND_MS,
  minute: MINUTE_MS,
  minutes: MINUTE_MS,
  hour: HOUR_MS,
  hours: HOUR_MS,
  day: DAY_MS,
  days: DAY_MS,
  week: WEEK_MS,
  weeks: WEEK_MS,
};

const SHORT_UNITS: Record<string, number> = {
  s: SECOND_MS,
  m: MINUTE_MS,
  h: HOUR_MS,
  d: DAY_MS,
  w: WEEK_MS,
};

// A long unit follows the number after exactly one space ("2 hours"). A short
// unit follows it directly ("2h") and must be lower case, because "1M" reads
// as one month to many people and would silently mean one minute here.
const LONG_FORM = /^([0-9]+) ([A-Za-z]+)$/;
const SHORT_FORM = /^([0-9]+)([smhdw])$/;

const ACCEPTED_EXAMPLES = '"30 minutes", "2 hours", "3 days" or "15m"';

// Longer inputs are cut in messages so an oversized value cannot flood a response.
const MAX_QUOTED_LENGTH = 40;

export class DurationError extends Error {
  override name = 'DurationError';
}

function quote(text: string): string {
  const truncated = text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}...` : text;
  return JSON.stringify(truncated);
}

function unitMillis(text: string): { count: string; unitMs: number } | undefined {
  const short = SHORT_FORM.exec(text);
  if (short) return { count: short[1]!, unitMs: SHORT_UNITS[short[2]!]! };

  const long = LONG_FORM.exec(text);
  if (!long) return undefined;
  const unitMs = LONG_UNITS[long[2]!.toLowerCase()];
  return unitMs === undefined ? undefined : { count: long[1]!, unitMs };
}

/**
 * Parses a duration such as "30 seconds", "2 Hours", "1 week" or "15m" into
 * milliseconds. Long units (second, minute, hour, day, week, singular or
 * plural, any case) take one space after the number. Short units (s, m, h, d,
 * w, lower case) take none. Leading and trailing spaces are ignored.
 * Throws DurationError for any other text, for zero, and above 30 days.
 */
export function parseDuration(text: string): number {
  const parsed = unitMillis(text.trim());
  if (!parsed) {
    throw new DurationError(
      `invalid duration ${quote(text)}: use a positive whole number and a unit, such as ${ACCEPTED_EXAMPLES}, at most 30 days`,
    );
  }

  const count = Number(parsed.count);
  if (count === 0) {
    throw new DurationError(`invalid duration ${quote(text)}: use a number greater than zero, such as ${ACCEPTED_EXAMPLES}`);
  }

  const millis = count * parsed.unitMs;
  if (millis > MAX_DURATION_MS) {
    throw new DurationError(
      `invalid duration ${quote(text)}: the maximum is 30 days, so use a value such as "30 days", "4 weeks" or "720 hours"`,
    );
  }
  return millis;
}
