import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';

/**
 * Whether `error` is a unique-index violation. MongoDB reports code 11000.
 * FerretDB 1.24 on SQLite reports 11000 for inserts, but code 1
 * (InternalError) with "UNIQUE constraint failed" in the message for updates
 * that collide, so that form counts too.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === 11000) return true;
  return error.code === 1 && error.message.includes('UNIQUE constraint failed');
}

/**
 * Returns whether `error` means the database could not serve the request for
 * now, so the same request may succeed later. That is the case when no
 * server is reachable, when a connection drops, and when FerretDB 1.24 on
 * SQLite reports its database locked (`SQLITE_BUSY`) after a write waited
 * out its busy timeout.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true;
  if (!(error instanceof MongoServerError)) return false;
  return error.message.includes('SQLITE_BUSY') || error.message.includes('database is locked');
}
