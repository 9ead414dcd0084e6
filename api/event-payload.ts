/**
 * Checks the payload of POST /events/send against the schema of the event's
 * definition, when one exists, and returns the payload with coerced values.
 */
import { checkPayload, EVENT_FIELD_TYPE_NAMES } from '../domain/event-schema.js';
import type { Repositories } from '../repositories/db.js';
import { ApiError } from './errors.js';
import { truncate } from './validation.js';

/** Returns the payload to start runs with, or throws a 422 ApiError naming the field and the expected type. */
export async function checkEventPayload(
  repos: Pick<Repositories, 'eventDefinitions'>,
  eventName: string,
  payload: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const definition = await repos.eventDefinitions.findByName(eventName);
  if (!definition || definition.schema === null) return payload;

  const result = checkPayload(definition.schema, payload);
  if (result.ok) return result.payload;

  const got = truncate(JSON.stringify(result.value));
  throw ApiError.validation(
    `\`payload.${result.field}\` must be ${EVENT_FIELD_TYPE_NAMES[result.expected]}, got ${got}, because the schema of event "${truncate(eventName)}" declares it as ${result.expected}.`,
  );
}
