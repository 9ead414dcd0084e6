/**
 * Idempotency keys of `POST /events/send`. The first request with a key
 * claims it and fixes the event id and acceptance time, so a retry derives
 * the same run ids and starts nothing twice. The first success is stored and
 * replayed for 24 hours. FerretDB has no TTL indexes, so expired keys are
 * removed by `deleteExpired`.
 */
import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './errors.js';

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyDoc {
  /** SHA-256 of the key, so keys of any content are safe as ids. */
  _id: string;
  /** SHA-256 of the validated request, to detect a key reused for another request. */
  request_hash: string;
  event_id: string;
  accepted_at: Date;
  response_status: number | null;
  response_body_json: string | null;
  created_at: Date;
  expires_at: Date;
}

export interface IdempotencyClaim {
  eventId: string;
  acceptedAt: number;
  requestHash: string;
  /** The stored response of an earlier success, or null while none exists. */
  response: { status: number; body: unknown } | null;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function toClaim(doc: IdempotencyDoc): IdempotencyClaim {
  return {
    eventId: doc.event_id,
    acceptedAt: doc.accepted_at.getTime(),
    requestHash: doc.request_hash,
    response:
      doc.response_status === null || doc.response_body_json === null
        ? null
        : { status: doc.response_status, body: JSON.parse(doc.response_body_json) as unknown },
  };
}

export class IdempotencyRepository {
  private readonly keys: Collection<IdempotencyDoc>;

  constructor(db: Db) {
    this.keys = db.collection<IdempotencyDoc>('idempotency_keys');
  }

  async ensureIndexes(): Promise<void> {
    // deleteExpired: keys past their 24-hour window.
    await this.keys.createIndex({ expires_at: 1 }, { name: 'expires_at' });
  }

  /**
   * Returns the claim on `key`, creating it with the given event id and time
   * when the key is new or its window has passed. Concurrent claims of one
   * key agree on the first one stored.
   */
  async claim(key: string, fresh: { requestHash: string; eventId: string; acceptedAt: number }): Promise<IdempotencyClaim> {
    const id = sha256(key);
    const now = new Date(fresh.acceptedAt);
    const doc: Omit<IdempotencyDoc, '_id'> = {
      request_hash: fresh.requestHash,
      event_id: fresh.eventId,
      accepted_at: now,
      response_status: null,
      response_body_json: null,
      created_at: now,
      expires_at: new Date(fresh.acceptedAt + IDEMPOTENCY_WINDOW_MS),
    };

    // An expired claim is replaced; the filter on its expiry keeps two replacements from both winning.
    const existing = await this.keys.findOne({ _id: id });
    if (existing && existing.expires_at.getTime() > fresh.acceptedAt) return toClaim(existing);
    if (existing) {
      const replaced = await this.keys.findOneAndUpdate(
        { _id: id, expires_at: existing.expires_at },
        { $set: doc },
        { returnDocument: 'after' },
      );
      return toClaim(replaced ?? (await this.mustFind(id)));
    }

    try {
      await this.keys.insertOne({ _id: id, ...doc });
      return toClaim({ _id: id, ...doc });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return toClaim(await this.mustFind(id));
    }
  }

  /** Stores the response of the claimed request, for replay to retries. */
  async complete(key: string, response: { status: number; body: unknown }): Promise<void> {
    await this.keys.updateOne(
      { _id: sha256(key) },
      { $set: { response_status: response.status, response_body_json: JSON.stringify(response.body) } },
    );
  }

  /** Deletes keys whose window ended before `now`; returns how many. */
  async deleteExpired(now: number): Promise<number> {
    const result = await this.keys.deleteMany({ expires_at: { $lt: new Date(now) } });
    return result.deletedCount;
  }

  private async mustFind(id: string): Promise<IdempotencyDoc> {
    const doc = await this.keys.findOne({ _id: id });
    if (!doc) throw new Error('idempotency key vanished while it was being claimed');
    return doc;
  }
}
