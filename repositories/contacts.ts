/**
 * Contacts: one document per email address (stored in lower case, unique).
 * Lookups by email read the contact_emails collection (see
 * ./contact-emails.ts). Segment memberships live in the segments repository,
 * topic choices in the topics repository.
 */
import type { Collection, Db } from 'mongodb';
import { uuidv7 } from '../domain/ids.js';
import type { ContactSnapshot } from '../workflows/contract.js';
import { ContactEmailsRepository } from './contact-emails.js';
import type { ContactEmailSource } from './contact-emails.js';
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
  private readonly emails: ContactEmailsRepository;
  private readonly segments: SegmentsRepository;
  private readonly topics: TopicsRepository;

  constructor(db: Db) {
    this.contacts = db.collection<ContactDoc>('contacts');
    this.emails = new ContactEmailsRepository(db, async (id) => (await this.contacts.findOne({ _id: id }, { projection: { _id: 1 } })) !== null);
    this.segments = new SegmentsRepository(db);
    this.topics = new TopicsRepository(db);
  }

  /** Creates the indexes, then adds the lookups of contacts stored before contact_emails existed. */
  async ensureIndexes(): Promise<void> {
    // create: one contact per address, which decides between creates that
    // both claimed it. findByEmailField: the contact with an address.
    await this.contacts.createIndex({ email: 1 }, { unique: true, name: 'email_unique' });

    await this.emails.backfill(() => this.contacts.find({}).project<ContactEmailSource>({ _id: 1, email: 1 }));
  }

  async findById(id: string): Promise<ContactDoc | null> {
    return this.contacts.findOne({ _id: id });
  }

  /** Finds the contact through its lookup in contact_emails, so both reads are by `_id`. */
  async findByEmail(email: string): Promise<ContactDoc | null> {
    const normalized = normalizeEmail(email);
    const contactId = await this.emails.findContactId(normalized);
    if (contactId === null) return null;
    const contact = await this.findById(contactId);
    if (contact !== null) return contact;
    // A lookup of a missing contact is usually left by a create that has not
    // inserted its contact yet, or by a crash. But a create racing a delete
    // of the same address can also point the lookup at a deleted contact
    // while another contact has the address. So the email field decides. On
    // FerretDB that reads every contact, but only in this rare state.
    return this.findByEmailField(normalized);
  }

  async findManyByIds(ids: string[]): Promise<ContactDoc[]> {
    if (ids.length === 0) return [];
    return this.contacts.find({ _id: { $in: ids } }).toArray();
  }

  async list(page: PageRequest): Promise<Page<ContactDoc>> {
    return findPage(this.contacts, {}, page);
  }

  /**
   * Inserts a contact; returns null when a contact with that email already exists.
   *
   * The address is claimed in contact_emails before the contact is inserted.
   * So a crash in between leaves only a lookup of a missing contact, which
   * reads as "no contact" and which the next create of the address takes
   * over. The unique email index still decides between two creates that both
   * hold a claim (one took over the claim of a slow create) and against a
   * contact stored without a lookup. The loser then points the lookup at the
   * winner.
   */
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
    if ((await this.emails.claim(contact.email, contact._id)) === 'taken') return null;

    try {
      await this.contacts.insertOne(contact);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      await this.findByEmailField(contact.email);
      return null;
    }

    // Another create may have taken the claim over while this insert ran.
    await this.emails.pointAt(contact.email, contact._id);
    return contact;
  }

  /**
   * Finds the contact by its `email` field instead of its lookup, and points
   * the lookup at it. On FerretDB this filter decodes every contact, so only
   * the paths after a lost race use it.
   */
  private async findByEmailField(email: string): Promise<ContactDoc | null> {
    const contact = await this.contacts.findOne({ email });
    if (contact) await this.emails.pointAt(email, contact._id);
    return contact;
  }

  /**
   * Returns the contact with `email`, creating it if none exists. Concurrent
   * calls agree on one contact, because `create` stores only one contact per
   * address and the others then read the winner's contact.
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

    // For a moment the lookup can point at the claim of a losing create,
    // which took the claim over just as the winner's contact was inserted.
    const winner = (await this.findByEmail(normalized)) ?? (await this.findByEmailField(normalized));
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

  /** Deletes the contact, then its email lookup, segment memberships and topic choices; returns false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.contacts.findOneAndDelete({ _id: id });
    if (deleted === null) return false;
    // The contact goes first. A membership left behind by a failure here is
    // ignored by every listing, and a lookup left behind reads as "no
    // contact" until the next create of the address takes it over. The
    // reverse order could leave a contact that silently lost its segments.
    await this.emails.remove(deleted.email, id);
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
