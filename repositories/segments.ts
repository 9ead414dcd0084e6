/**
 * Segments and segment memberships. A membership is its own document, so
 * adding a contact is one idempotent upsert on a unique (segment, contact) pair.
 */
import type { Collection, Db } from 'mongodb';
import { uuidv7 } from '../domain/ids.js';
import { findPage } from './cursor.js';
import type { Page, PageRequest } from './cursor.js';
import { isDuplicateKeyError } from './errors.js';

export interface SegmentDoc {
  _id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export interface MembershipDoc {
  _id: string;
  segment_id: string;
  contact_id: string;
  created_at: Date;
}

export class SegmentsRepository {
  private readonly segments: Collection<SegmentDoc>;
  private readonly memberships: Collection<MembershipDoc>;

  constructor(db: Db) {
    this.segments = db.collection<SegmentDoc>('segments');
    this.memberships = db.collection<MembershipDoc>('segment_memberships');
  }

  async ensureIndexes(): Promise<void> {
    // addContact, removeContact, listContactIdsPage: one membership per pair; pages contacts of a segment by contact id.
    await this.memberships.createIndex(
      { segment_id: 1, contact_id: 1 },
      { unique: true, name: 'segment_contact_unique' },
    );
    // listContactSegments, listContactSegmentsPage, removeAllMembershipsOfContact: segments of one contact.
    await this.memberships.createIndex({ contact_id: 1, segment_id: 1 }, { name: 'contact_segment' });
  }

  async create(name: string): Promise<SegmentDoc> {
    const now = new Date();
    const segment: SegmentDoc = { _id: uuidv7(), name, created_at: now, updated_at: now };
    await this.segments.insertOne(segment);
    return segment;
  }

  async findById(id: string): Promise<SegmentDoc | null> {
    return this.segments.findOne({ _id: id });
  }

  /** Returns the ids among `ids` that name no segment. */
  async findMissingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = await this.segments.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
    const existing = new Set(found.map((segment) => segment._id));
    return ids.filter((id) => !existing.has(id));
  }

  async list(page: PageRequest): Promise<Page<SegmentDoc>> {
    return findPage(this.segments, {}, page);
  }

  /** Renames a segment; returns the updated segment, or null when it does not exist. */
  async rename(id: string, name: string): Promise<SegmentDoc | null> {
    return this.segments.findOneAndUpdate(
      { _id: id },
      { $set: { name, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
  }

  /** Deletes the segment and then its memberships; returns false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const result = await this.segments.deleteOne({ _id: id });
    if (result.deletedCount === 0) return false;
    await this.memberships.deleteMany({ segment_id: id });
    return true;
  }

  /** Adds a contact to a segment. Idempotent: returns false when it was already a member. */
  async addContact(segmentId: string, contactId: string): Promise<boolean> {
    try {
      const result = await this.memberships.updateOne(
        { segment_id: segmentId, contact_id: contactId },
        { $setOnInsert: { _id: uuidv7(), created_at: new Date() } },
        { upsert: true },
      );
      return result.upsertedCount > 0;
    } catch (error) {
      // A concurrent add of the same pair won the insert; the membership exists either way.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Removes a contact from a segment; returns false when it was not a member. */
  async removeContact(segmentId: string, contactId: string): Promise<boolean> {
    const result = await this.memberships.deleteOne({ segment_id: segmentId, contact_id: contactId });
    return result.deletedCount > 0;
  }

  async removeAllMembershipsOfContact(contactId: string): Promise<void> {
    await this.memberships.deleteMany({ contact_id: contactId });
  }

  /** Every segment the contact belongs to, newest segment first. */
  async listContactSegments(contactId: string): Promise<SegmentDoc[]> {
    const memberships = await this.memberships.find({ contact_id: contactId }).toArray();
    if (memberships.length === 0) return [];
    return this.segments
      .find({ _id: { $in: memberships.map((membership) => membership.segment_id) } })
      .sort({ _id: -1 })
      .toArray();
  }

  /**
   * One page of the segments a contact belongs to, paged by segment id.
   * Memberships whose segment is gone are left out, so a page can be shorter than `limit`.
   */
  async listContactSegmentsPage(contactId: string, page: PageRequest): Promise<Page<SegmentDoc>> {
    const memberships = await findPage(this.memberships, { contact_id: contactId }, page, 'segment_id');
    const ids = memberships.items.map((membership) => membership.segment_id);
    const segments = ids.length === 0 ? [] : await this.segments.find({ _id: { $in: ids } }).toArray();
    const byId = new Map(segments.map((segment) => [segment._id, segment]));
    const items = ids.flatMap((id) => byId.get(id) ?? []);
    return { items, hasMore: memberships.hasMore };
  }

  /**
   * One page of the ids of contacts in a segment, paged by contact id.
   * The caller loads the contacts and drops ids whose contact is gone.
   */
  async listContactIdsPage(segmentId: string, page: PageRequest): Promise<Page<string>> {
    const memberships = await findPage(this.memberships, { segment_id: segmentId }, page, 'contact_id');
    return { items: memberships.items.map((membership) => membership.contact_id), hasMore: memberships.hasMore };
  }
}
