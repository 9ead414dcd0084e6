/**
 * Event schemas: a flat map from payload field to type that an event
 * definition may declare. Sending an event checks its payload against the
 * schema and coerces values that arrive as strings.
 */

export const EVENT_FIELD_TYPES = ['string', 'number', 'boolean', 'date'] as const;
export type EventFieldType = (typeof EVENT_FIELD_TYPES)[number];

export interface EventSchemaField {
  field: string;
  type: EventFieldType;
}

export type PayloadCheck =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; field: string; expected: EventFieldType; value: unknown };

const NUMERIC_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

// A calendar date, optionally followed by a time of day that names its time zone.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$/;

/** Human-readable form of each type, for error messages. */
export const EVENT_FIELD_TYPE_NAMES: Record<EventFieldType, string> = {
  string: 'a string',
  number: 'a number or a numeric string',
  boolean: 'true, false, "true" or "false"',
  date: 'an ISO 8601 date such as "2026-10-01" or "2026-10-01T12:00:00Z"',
};

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an ISO 8601 date or date-time into canonical UTC form
 * (`2026-10-01T12:00:00.000Z`). A date-time must name its time zone, because a
 * local time would depend on the server's zone. Returns undefined when the
 * text is no such date or names a day the month lacks, such as February 30.
 */
export function parseIsoDate(text: string): string | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;

  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;

  // Date.parse reads a date without a time as UTC midnight.
  const millis = Date.parse(text);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

/** Returns the value as `type`, converting strings where the type allows, or undefined when it cannot. */
export function coerceValue(value: unknown, type: EventFieldType): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
      if (typeof value === 'string' && NUMERIC_STRING.test(value.trim())) return Number(value.trim());
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return undefined;
    case 'date':
      return typeof value === 'string' ? parseIsoDate(value) : undefined;
    default: {
      const unknownType: never = type;
      throw new Error(`unknown event field type ${String(unknownType)}`);
    }
  }
}

/**
 * Checks a payload against a schema and returns a copy with coerced values.
 * Fields of the schema may be absent or null. Payload keys the schema does not
 * name pass unchanged. The first field that does not match is reported.
 */
export function checkPayload(schema: readonly EventSchemaField[], payload: Record<string, unknown>): PayloadCheck {
  const result: Record<string, unknown> = { ...payload };
  for (const { field, type } of schema) {
    if (!Object.hasOwn(payload, field)) continue;
    const value = payload[field];
    if (value === null || value === undefined) continue;

    const coerced = coerceValue(value, type);
    if (coerced === undefined) return { ok: false, field, expected: type, value };
    result[field] = coerced;
  }
  return { ok: true, payload: result };
}
