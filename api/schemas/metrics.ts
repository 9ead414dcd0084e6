/** Query schema of GET /automations/:id/metrics. */
import { z } from 'zod';
import { parseTimestamp } from '../../domain/time.js';

const TIMESTAMP_HINT = 'an ISO 8601 timestamp such as 2026-10-01T12:00:00Z or 2026-10-01 12:00:00.000000+00';

/**
 * A timestamp in epoch milliseconds. A `+` left unencoded in a query string
 * arrives as a space, so a space before a trailing UTC offset is read as `+`.
 */
const timestamp = z
  .string()
  .meta({ description: `${TIMESTAMP_HINT}; a date alone means midnight UTC`, examples: ['2026-10-01T12:00:00Z'] })
  .transform((value, context) => {
    const millis = parseTimestamp(value.replace(/^(.+:\d{2}(?:\.\d+)?) (\d{2}(?::?\d{2})?)$/, '$1+$2'));
    if (millis === null) {
      context.addIssue({ code: 'custom', message: `must be ${TIMESTAMP_HINT}`, input: value });
      return z.NEVER;
    }
    return millis;
  });

export const metricsQuery = z.strictObject({
  from: timestamp.optional().meta({ description: 'Start of the window, included. Default: 30 days before `to`.' }),
  to: timestamp.optional().meta({ description: 'End of the window, included. Default: now.' }),
});
