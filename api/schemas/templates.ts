/** Request schemas of the templates endpoints. */
import { z } from 'zod';
import { isUuid } from '../../domain/ids.js';
import { mailbox, resourceName } from './common.js';

export const MAX_TEMPLATE_VARIABLES = 50;

/** Letters, digits, `_` and `-`; it cannot look like a UUID, so `/templates/:id_or_alias` stays unambiguous. */
export const ALIAS_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

const alias = z
  .string()
  .regex(ALIAS_PATTERN, { error: 'must be 1 to 100 letters, digits, "_" or "-"' })
  .refine((value) => !isUuid(value.toLowerCase()), { error: 'must not be a UUID' });

const variable = z
  .strictObject({
    key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/, {
      error: 'must be 1 to 50 letters, digits or underscores, not starting with a digit',
    }),
    type: z.enum(['string', 'number']),
    fallback_value: z.union([z.string().max(1000), z.number(), z.null()]).optional(),
  })
  .refine(
    (value) =>
      value.fallback_value === undefined ||
      value.fallback_value === null ||
      typeof value.fallback_value === (value.type === 'number' ? 'number' : 'string'),
    { error: 'must have a `fallback_value` of the declared `type`', path: ['fallback_value'] },
  );

const variables = z
  .array(variable)
  .max(MAX_TEMPLATE_VARIABLES)
  .superRefine((list, context) => {
    const seen = new Set<string>();
    list.forEach((entry, index) => {
      if (seen.has(entry.key)) {
        context.addIssue({ code: 'custom', message: `repeats the key "${entry.key}"`, path: [index, 'key'] });
      }
      seen.add(entry.key);
    });
  });

const replyTo = z.union([mailbox, z.array(mailbox).min(1).max(50)]);

const content = {
  subject: z.string().max(998).nullable().optional(),
  text: z.string().max(512 * 1024).nullable().optional(),
  alias: alias.nullable().optional(),
  from: mailbox.nullable().optional(),
  reply_to: replyTo.nullable().optional(),
  variables: variables.optional(),
};

export const createTemplateBody = z.strictObject({
  name: resourceName(256),
  html: z.string().min(1).max(512 * 1024),
  ...content,
});

export const updateTemplateBody = z
  .strictObject({
    name: resourceName(256).optional(),
    html: z.string().min(1).max(512 * 1024).optional(),
    ...content,
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    error: 'must contain at least one field to change',
  });
