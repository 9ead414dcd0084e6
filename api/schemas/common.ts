/** Schemas shared by several resources: ids, emails, names and paging. */
import { z } from 'zod';
import { isUuid } from '../../domain/ids.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../../repositories/cursor.js';
import type { PageRequest } from '../../repositories/cursor.js';

/** A UUID in any letter case, returned in lower case. */
export const uuidString = z
  .string()
  .transform((value) => value.toLowerCase())
  .refine((value) => isUuid(value), { error: 'must be a UUID' });

// Practical address check: one @, no spaces or angle brackets, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export const emailAddress = z
  .string()
  .max(320)
  .regex(EMAIL_PATTERN, { error: 'must be an email address such as jane@example.com' });

/** `jane@example.com` or `Jane Doe <jane@example.com>`, as in a From header. */
export const mailbox = z
  .string()
  .max(400)
  .refine(
    (value) => {
      const named = /^[^<>\r\n]*<([^<>\s]+)>$/.exec(value.trim());
      return EMAIL_PATTERN.test(named ? named[1]! : value.trim());
    },
    { error: 'must be an email address, optionally with a name, such as "Jane <jane@example.com>"' },
  );

export const PROPERTY_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

export const propertyKey = z.string().regex(PROPERTY_KEY_PATTERN, {
  error: 'must be 1 to 50 letters, digits or underscores, not starting with a digit',
});

export function resourceName(max: number) {
  return z.string().trim().min(1).max(max);
}

const pagingShape = {
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, { error: `must be an integer from 1 to ${MAX_PAGE_LIMIT}` })
    .transform(Number)
    .refine((value) => value >= 1 && value <= MAX_PAGE_LIMIT, {
      error: `must be an integer from 1 to ${MAX_PAGE_LIMIT}`,
    })
    .optional(),
  after: uuidString.optional(),
  before: uuidString.optional(),
};

/** Builds a strict query schema with paging and the given extra parameters. `after` and `before` exclude each other. */
export function pagedQuery<Extra extends z.ZodRawShape>(extra: Extra) {
  return z
    .strictObject({ ...pagingShape, ...extra })
    .refine((query) => {
      const cursors = query as { after?: string; before?: string };
      return cursors.after === undefined || cursors.before === undefined;
    }, {
      error: 'must not contain both `after` and `before`; send one cursor',
    });
}

export function toPageRequest(query: { limit?: number | undefined; after?: string | undefined; before?: string | undefined }): PageRequest {
  return { limit: query.limit ?? DEFAULT_PAGE_LIMIT, after: query.after, before: query.before };
}

/** Wraps a page in the list envelope, newest first. */
export function listResponse<T, R>(page: { items: T[]; hasMore: boolean }, serialize: (item: T) => R) {
  return { object: 'list' as const, has_more: page.hasMore, data: page.items.map(serialize) };
}
