/** Request schema of POST /events/send. */
import { z } from 'zod';
import { emailAddress, uuidString } from './common.js';

export const MAX_EVENT_NAME_LENGTH = 200;
/** Bounds on the payload, which travels into every run the event starts. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_PAYLOAD_DEPTH = 10;

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

export const sendEventBody = z
  .strictObject({
    event: z
      .string()
      .min(1)
      .max(MAX_EVENT_NAME_LENGTH)
      .refine((name) => !name.startsWith('resend:'), { error: 'must not start with "resend:", which is reserved' }),
    contact_id: uuidString.optional(),
    email: emailAddress.optional(),
    payload: payload.optional(),
  })
  .refine((body) => (body.contact_id === undefined) !== (body.email === undefined), {
    error: 'must contain exactly one of `contact_id` or `email`',
  });
