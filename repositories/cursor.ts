/**
 * Cursor paging over a string key that sorts by creation time (UUID v7 ids).
 * Pages are index ranges (`$lt`/`$gt` on the key), never skips, so items
 * created in the same millisecond are neither dropped nor repeated.
 */
import type { Collection, Document, Filter, Sort } from 'mongodb';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** One page request: at most one of `after` (older items) or `before` (newer items). */
export interface PageRequest {
  limit: number;
  after?: string | undefined;
  before?: string | undefined;
}

export interface Page<T> {
  /** Newest first. */
  items: T[];
  /** Whether more items exist beyond this page in the direction of paging. */
  hasMore: boolean;
}

/**
 * Finds one page of `collection` matching `filter`, newest first by `key`.
 * Fetches `limit + 1` documents to learn whether another page exists. For
 * `before`, it reads ascending from the cursor and reverses the result.
 */
export async function findPage<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  page: PageRequest,
  key: string = '_id',
): Promise<Page<T>> {
  const newerFirst = page.before === undefined;
  const range =
    page.before !== undefined
      ? { [key]: { $gt: page.before } }
      : page.after !== undefined
        ? { [key]: { $lt: page.after } }
        : {};
  const sort: Sort = { [key]: newerFirst ? -1 : 1 };

  const documents = (await collection
    .find({ ...filter, ...range } as Filter<T>)
    .sort(sort)
    .limit(page.limit + 1)
    .toArray()) as T[];

  const hasMore = documents.length > page.limit;
  const items = documents.slice(0, page.limit);
  if (!newerFirst) items.reverse();
  return { items, hasMore };
}
