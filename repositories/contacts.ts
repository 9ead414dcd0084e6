/**
 * Contacts: one document per email address (stored in lower case, unique).
 * Segment memberships live in the segments repository, topic choices in the
 * topics repository.
 */
import type { Collection, Db } from 'mongodb';
import { uuidv7 } from '../domain/ids.js';
import type { ContactSnapshot } from '../workflows/contract.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';
import { SegmentsRepository } from './segments.js';
import { TopicsRepository } from './topics.js';

export type ContactPropertyValue = string | number | boolean;

export interface ContactDoc {
  _id: string;
  /** Lower case. */
  email: string;
  first_name: string | null;
  last_name: string | null;
  unsubscribed: boolean;
  /** Keys match `^[A-Za-z_][A-Za-z0-9_]{0,49}$`, so they are safe as field names. */
  properties: Record<string, ContactPropertyValue>;
  created_at: Date;
  updated_at: Date;
}

export interface NewContact {
  email: string;
  first_name?: string | null | undefined;
  last_name?: string | null | undefined;
  unsubscribed?: boolean | undefined;
  /** A null value means "not set" and is not stored. */
  properties?: Record<string, ContactPropertyValue | null> | undefined;
}

export interface ContactChanges {
  first_name?: string | null;
  last_name?: string | null;
  unsubscribed?: boolean;
  /** Sets each property; a null value removes the property. */
  properties?: Record<string, ContactPropertyValue | null>;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function definedProperties(
  properties: Record<string, ContactPropertyValue | null> | undefined,
): Record<string, ContactPropertyValue> {
  const result: Record<string, ContactPropertyValue> = {};
  for (const [key, value] of Object.entries(properties ?? {})) {
    if (value !== null) result[key] = value;
  }
  return result;
}

export class ContactsRepository {
  private readonly contacts: Collection<ContactDoc>;
  private readonly segments: SegmentsRepository;
  private readonly topics: TopicsRepository;

  constructor(db: Db) {
    this.contacts = db.collection<ContactDoc>('contacts');
    this.segments = new SegmentsRepository(db);
    this.topics = new TopicsRepository(db);
  }

  async ensureIndexes(): Promise<void> {
    // findByEmail, findOrCreateByEmail: one contact per address, which concurrent creates rely on.
    await this.contacts.createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
  }

  async findById(id: string): Promise<ContactDoc | null> {
    return this.contacts.findOne({ _id: id });
  }

  async findByEmail(email: string): Promise<ContactDoc | null> {
    return this.contacts.findOne({ email: normalizeEmail(email) });
  }

  async findManyByIds(ids: string[]): Promise<ContactDoc[]> {
    if (ids.length === 0) return [];
    return this.contacts.find({ _id: { $in: ids } }).toArray();
  }

  async list(page: PageRequest): Promise<Page<ContactDoc>> {
    return findPage(this.contacts, {}, page);
  }

  /** Inserts a contact; returns null when a contact with that email already exists. */
  async create(input: NewContact): Promise<ContactDoc | null> {
    const now = new Date();
    const contact: ContactDoc = {
      _id: uuidv7(),
      email: normalizeEmail(input.email),
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      unsubscribed: input.unsubscribed ?? false,
      properties: definedProperties(input.properties),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.contacts.insertOne(contact);
      return contact;
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  /**
   * Returns the contact with `email`, creating it if none exists. Concurrent
   * calls agree on one contact, because the unique email index rejects every
   * insert but the first and the others then read the winner's contact.
   */
  async findOrCreateByEmail(email: string): Promise<{ contact: ContactDoc; created: boolean }> {
    const normalized = normalizeEmail(email);
    const existing = await this.findByEmail(normalized);
    if (existing) return { contact: existing, created: false };

    // An insert, not an upsert with $setOnInsert: FerretDB 1.24.2 leaves the
    // null fields of $setOnInsert out of the new document, so the contact
    // would have no `first_name` or `last_name` at all.
    const inserted = await this.create({ email: normalized });
    if (inserted) return { contact: inserted, created: true };

    const winner = await this.findByEmail(normalized);
    if (!winner) throw new Error('creating a contact failed: its email was taken, but that contact was deleted before it could be read; retry');
    return { contact: winner, created: false };
  }

  /** Applies `changes` and returns the updated contact, or null when it does not exist. */
  async update(id: string, changes: ContactChanges): Promise<ContactDoc | null> {
    const set: Record<string, unknown> = { updated_at: new Date() };
    const unset: Record<string, ''> = {};
    if (changes.first_name !== undefined) set.first_name = changes.first_name;
    if (changes.last_name !== undefined) set.last_name = changes.last_name;
    if (changes.unsubscribed !== undefined) set.unsubscribed = changes.unsubscribed;
    for (const [key, value] of Object.entries(changes.properties ?? {})) {
      if (value === null) unset[`properties.${key}`] = '';
      else set[`properties.${key}`] = value;
    }

    const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
    return this.contacts.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
  }

  /** Removes the property `key` from every contact that has it, after its declaration was deleted. */
  async removePropertyFromAll(key: string): Promise<void> {
    await this.contacts.updateMany({ [`properties.${key}`]: { $exists: true } }, { $unset: { [`properties.${key}`]: '' } });
  }

  /** Deletes the contact, then its segment memberships and topic choices; returns false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const result = await this.contacts.deleteOne({ _id: id });
    if (result.deletedCount === 0) return false;
    // The contact goes first: a membership left behind by a failure here is
    // ignored by every listing, while the reverse order could leave a contact
    // that silently lost its segments.
    await this.segments.removeAllMembershipsOfContact(id);
    await this.topics.removeAllSubscriptionsOfContact(id);
    return true;
  }

  toSnapshot(doc: ContactDoc): ContactSnapshot {
    return {
      id: doc._id,
      email: doc.email,
      first_name: doc.first_name,
      last_name: doc.last_name,
      unsubscribed: doc.unsubscribed,
      properties: { ...doc.properties },
    };
  }
}
