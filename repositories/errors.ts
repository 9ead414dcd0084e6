import { MongoServerError } from 'mongodb';

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
