/** Request schemas of POST /events/send and of the event definitions endpoints. */
import { z } from 'zod';
import { EVENT_FIELD_TYPES } from '../../domain/event-schema.js';
import { isUuid } from '../../domain/ids.js';
import { emailAddress, propertyKey, uuidString } from './common.js';

export const MAX_EVENT_NAME_LENGTH = 200;
/** Bounds on the payload, which travels into every run the event starts. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_PAYLOAD_DEPTH = 10;
export const MAX_SCHEMA_FIELDS = 50;

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depth(child)), 0);
}

const payload = z
  .record(z.string(), z.unknown())
  .refine((value) => depth(value) <= MAX_PAYLOAD_DEPTH, {
    error: `must not be nested more than ${MAX_PAYLOAD_DEPTH} levels deep`,
  })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_PAYLOAD_BYTES, {
    error: `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON`,
  });

export const eventName = z
  .string()
  .min(1)
  .max(MAX_EVENT_NAME_LENGTH)
  .refine((name) => !name.startsWith('resend:'), { error: 'must not start with "resend:", which is reserved' });

export const sendEventBody = z
  .strictObject({
    event: eventName,
    contact_id: uuidString.optional(),
    email: emailAddress.optional(),
    payload: payload.optional(),
  })
  .refine((body) => (body.contact_id === undefined) !== (body.email === undefined), {
    error: 'must contain exactly one of `contact_id` or `email`',
  });

/** A defined event's name also cannot be a UUID, so `/events/:id_or_name` stays unambiguous. */
const definitionName = eventName.refine((name) => !isUuid(name.toLowerCase()), { error: 'must not be a UUID' });

/** Flat map from payload field to type, such as `{ "amount": "number" }`. */
const eventSchemaMap = z
  .record(propertyKey, z.enum(EVENT_FIELD_TYPES))
  .refine((schema) => Object.keys(schema).length <= MAX_SCHEMA_FIELDS, {
    error: `must have at most ${MAX_SCHEMA_FIELDS} fields`,
  });

export const createEventBody = z.strictObject({
  name: definitionName,
  schema: eventSchemaMap.nullable().optional(),
});

export const updateEventBody = z.strictObject({
  schema: eventSchemaMap.nullable(),
});
