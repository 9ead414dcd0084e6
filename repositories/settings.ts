/**
 * Server-wide values that every API and worker process must share, such as
 * the key that signs unsubscribe links, one document per name.
 */
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './errors.js';

export interface SettingDoc {
  /** The setting's name, such as `unsubscribe_secret`. */
  _id: string;
  value: string;
  created_at: Date;
}

export class SettingsRepository {
  private readonly settings: Collection<SettingDoc>;

  constructor(db: Db) {
    this.settings = db.collection<SettingDoc>('settings');
  }

  async ensureIndexes(): Promise<void> {
    // Settings are read by _id only, which the built-in index serves.
  }

  /**
   * Returns the stored value of `name`, storing `candidate` first when none
   * exists. Concurrent calls from several processes agree on the first value stored.
   */
  async getOrCreate(name: string, candidate: string): Promise<string> {
    try {
      const doc = await this.settings.findOneAndUpdate(
        { _id: name },
        { $setOnInsert: { value: candidate, created_at: new Date() } },
        { upsert: true, returnDocument: 'after' },
      );
      if (doc) return doc.value;
    } catch (error) {
      // Two concurrent upserts can both miss and race on insert; the loser reads the winner's value.
      if (!isDuplicateKeyError(error)) throw error;
    }

    const existing = await this.settings.findOne({ _id: name });
    if (!existing) throw new Error(`setting ${name} was not stored`);
    return existing.value;
  }
}
