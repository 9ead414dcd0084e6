/** Request schemas of the contacts endpoints. */
import { z } from 'zod';
import { emailAddress, propertyKey, uuidString } from './common.js';
import { topicChoices } from './topics.js';

export const MAX_CONTACT_PROPERTIES = 50;

const personName = z.string().max(200).nullable();

const properties = z
  .record(propertyKey, z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((record) => Object.keys(record).length <= MAX_CONTACT_PROPERTIES, {
    error: `must have at most ${MAX_CONTACT_PROPERTIES} properties`,
  });

export const createContactBody = z.strictObject({
  email: emailAddress,
  first_name: personName.optional(),
  last_name: personName.optional(),
  unsubscribed: z.boolean().optional(),
  properties: properties.optional(),
  segments: z
    .array(z.strictObject({ id: uuidString }))
    .max(50)
    .optional(),
  topics: topicChoices.optional(),
});

export const updateContactBody = z
  .strictObject({
    first_name: personName.optional(),
    last_name: personName.optional(),
    unsubscribed: z.boolean().optional(),
    properties: properties.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'must contain at least one field to change',
  });
