/** Request schemas of the topics endpoints and of a contact's topic choices. */
import { z } from 'zod';
import { resourceName, uuidString } from './common.js';

export const MAX_TOPIC_NAME_LENGTH = 200;
export const MAX_TOPIC_DESCRIPTION_LENGTH = 1000;
/** Maximum number of topic choices in one request. */
export const MAX_TOPIC_CHOICES = 100;

const subscription = z.enum(['opt_in', 'opt_out']);
const description = z.string().max(MAX_TOPIC_DESCRIPTION_LENGTH).nullable();

export const createTopicBody = z.strictObject({
  name: resourceName(MAX_TOPIC_NAME_LENGTH),
  description: description.optional(),
  default_subscription: subscription,
});

/**
 * The official client sends the topic's `id` in the body too, so it is
 * accepted and must match the path. The route rejects `default_subscription`
 * with a message that explains why.
 */
export const updateTopicBody = z
  .strictObject({
    id: uuidString.optional(),
    name: resourceName(MAX_TOPIC_NAME_LENGTH).optional(),
    description: description.optional(),
    default_subscription: z.unknown().optional(),
  })
  .refine((body) => body.name !== undefined || body.description !== undefined || body.default_subscription !== undefined, {
    error: 'must contain `name` or `description`',
  });

/** `[{ id, subscription }]`, each topic at most once. */
export const topicChoices = z
  .array(z.strictObject({ id: uuidString, subscription }))
  .max(MAX_TOPIC_CHOICES)
  .superRefine((list, context) => {
    const seen = new Set<string>();
    list.forEach((choice, index) => {
      if (seen.has(choice.id)) {
        context.addIssue({ code: 'custom', message: `repeats topic ${choice.id}`, path: [index, 'id'] });
      }
      seen.add(choice.id);
    });
  });
