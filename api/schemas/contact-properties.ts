/** Request schemas of the contact properties endpoints. */
import { z } from 'zod';
import { CONTACT_PROPERTY_TYPES } from '../../domain/contact-properties.js';
import { propertyKey } from './common.js';

/** Maximum length of a string value or fallback of a contact property. */
export const MAX_PROPERTY_STRING_LENGTH = 2000;

const fallbackValue = z.union([z.string().max(MAX_PROPERTY_STRING_LENGTH), z.number(), z.null()]);

export const createContactPropertyBody = z
  .strictObject({
    key: propertyKey,
    type: z.enum(CONTACT_PROPERTY_TYPES),
    fallback_value: fallbackValue.optional(),
  })
  .refine(
    (body) => body.fallback_value === undefined || body.fallback_value === null || typeof body.fallback_value === body.type,
    { error: 'must be of the property\'s `type`', path: ['fallback_value'] },
  );

/**
 * Only the fallback can change. The route reports a missing `fallback_value`,
 * and rejects `key` and `type` with a message that explains why.
 */
export const updateContactPropertyBody = z.strictObject({
  fallback_value: fallbackValue.optional(),
  key: z.unknown().optional(),
  type: z.unknown().optional(),
});
