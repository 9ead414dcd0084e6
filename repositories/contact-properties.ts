/**
 * Contact property declarations: each key a contact may hold, its type and a
 * fallback value shown when a contact has no value. Values live on the contacts.
 */
import type { Collection, Db } from 'mongodb';
import type { ContactPropertyType } from '../domain/contact-properties.js';
import { uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export interface ContactPropertyDoc {
  _id: string;
  /** Matches `^[A-Za-z_][A-Za-z0-9_]{0,49}$`, like the property keys on contacts. */
  key: string;
  type: ContactPropertyType;
  fallback_value: string | number | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewContactProperty {
  key: string;
  type: ContactPropertyType;
  fallback_value: string | number | null;
}

export class ContactPropertiesRepository {
  private readonly properties: Collection<ContactPropertyDoc>;

  constructor(db: Db) {
    this.properties = db.collection<ContactPropertyDoc>('contact_properties');
  }

  async ensureIndexes(): Promise<void> {
    // findByKeys: one declaration per key, read on every contact write that sets properties.
    await this.properties.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  }

  /** Inserts a declaration; returns null when the key is already declared. */
  async create(input: NewContactProperty): Promise<ContactPropertyDoc | null> {
    const now = new Date();
    const doc: ContactPropertyDoc = { _id: uuidv7(), ...input, created_at: now, updated_at: now };
    try {
      await this.properties.insertOne(doc);
      return doc;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  findById(id: string): Promise<ContactPropertyDoc | null> {
    return this.properties.findOne({ _id: id });
  }

  /** Returns the declarations of `keys`; keys that are not declared are absent from the result. */
  findByKeys(keys: string[]): Promise<ContactPropertyDoc[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.properties.find({ key: { $in: keys } }).toArray();
  }

  /** Returns every declaration, oldest first, for rendering a contact with its fallbacks. */
  listAll(): Promise<ContactPropertyDoc[]> {
    return this.properties.find({}).sort({ _id: 1 }).toArray();
  }

  list(page: PageRequest): Promise<Page<ContactPropertyDoc>> {
    return findPage(this.properties, {}, page);
  }

  /** Sets the fallback value; returns the updated declaration, or null when it does not exist. */
  setFallback(id: string, fallbackValue: string | number | null): Promise<ContactPropertyDoc | null> {
    return this.properties.findOneAndUpdate(
      { _id: id },
      { $set: { fallback_value: fallbackValue, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.properties.deleteOne({ _id: id });
    return result.deletedCount > 0;
  }
}
