/**
 * The `contact_emails` collection: one document per contact email address,
 * `{ _id: <normalized email>, contact_id }`, so that finding a contact by
 * email takes two reads by `_id`. FerretDB 1.24's SQLite backend uses an
 * index only for a filter that is a lone `_id` equality, and for any other
 * filter, such as `{ email }` on contacts, it decodes every document of the
 * collection.
 *
 * The contacts collection stays the source of truth, and its unique email
 * index allows one contact per address. A lookup may point at a contact
 * that does not exist: a claim whose create has not inserted the contact
 * yet, or one left behind by a create or delete that crashed. Such a lookup
 * reads as "no contact", and the next create of the address takes it over.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoBulkWriteError } from 'mongodb';
import type { Collection, Db } from 'mongodb';
import { isDuplicateKeyError } from './errors.js';

export const CONTACT_EMAILS_COLLECTION = 'contact_emails';

/**
 * `_id` of the document that records a completed backfill. It contains no
 * "@", so it can never be the `_id` of a lookup.
 */
export const BACKFILL_MARKER_ID = 'backfill-complete';

export interface ContactEmailDoc {
  /** The email address, normalized by `normalizeEmail`. */
  _id: string;
  contact_id: string;
}

interface BackfillMarkerDoc {
  _id: typeof BACKFILL_MARKER_ID;
  completed_at: Date;
}

/** A contact's id and email, as the backfill reads them. */
export interface ContactEmailSource {
  _id: string;
  email: string;
}

/**
 * Pauses in milliseconds, 310 in all, before a create takes over a lookup
 * whose contact does not exist. Such a lookup is usually the claim of a
 * create that is about to insert its contact, and waiting lets that create
 * finish instead of racing it. Correctness does not depend on the wait,
 * because the unique email index on contacts still admits only one of the
 * two.
 */
const TAKEOVER_WAITS_MS = [10, 20, 40, 80, 160];

/**
 * Rounds of read and conditional write before giving up. Rounds beyond the
 * waits for one claim happen only when other writers change the lookup.
 */
const MAX_ROUNDS = 4 * (TAKEOVER_WAITS_MS.length + 1);

/** Lookups inserted by one `insertMany` of the backfill. */
const BACKFILL_BATCH_SIZE = 500;

export type ClaimResult = 'claimed' | 'taken';

export class ContactEmailsRepository {
  private readonly lookups: Collection<ContactEmailDoc>;
  private readonly markers: Collection<BackfillMarkerDoc>;
  private readonly contactExists: (contactId: string) => Promise<boolean>;

  /** `contactExists` returns whether a contact with that id is stored. */
  constructor(db: Db, contactExists: (contactId: string) => Promise<boolean>) {
    this.contactExists = contactExists;
    this.lookups = db.collection<ContactEmailDoc>(CONTACT_EMAILS_COLLECTION);
    this.markers = db.collection<BackfillMarkerDoc>(CONTACT_EMAILS_COLLECTION);
  }

  /** Returns the contact id that `email` points at, or null. That contact may no longer exist. */
  async findContactId(email: string): Promise<string | null> {
    const lookup = await this.lookups.findOne({ _id: email });
    // The backfill marker has no contact_id, so it reads as no lookup.
    return lookup?.contact_id ?? null;
  }

  /**
   * Claims `email` for the contact `contactId`, before that contact is
   * inserted. Returns 'taken' when the email points at an existing contact.
   * A lookup whose contact does not exist is taken over after the pauses in
   * TAKEOVER_WAITS_MS.
   */
  async claim(email: string, contactId: string): Promise<ClaimResult> {
    let waitingFor: string | null = null;
    let waits = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (await this.insert(email, contactId)) return 'claimed';

      const holderId = await this.findContactId(email);
      // A delete of its contact removed the lookup after the insert failed, so claim again.
      if (holderId === null) continue;
      if (await this.contactExists(holderId)) return 'taken';

      // Each new claim gets the full wait, so that concurrent creates do not
      // take over one another's claims in a chain.
      if (holderId !== waitingFor) {
        waitingFor = holderId;
        waits = 0;
      }
      const wait = TAKEOVER_WAITS_MS[waits];
      if (wait !== undefined) {
        waits += 1;
        await sleep(wait);
        continue;
      }
      if (await this.replace(email, holderId, contactId)) return 'claimed';
    }
    throw new Error(`claiming the email address ${email} failed: its lookup changed in each of ${MAX_ROUNDS} rounds; retry`);
  }

  /**
   * Points `email` at `contactId`, a stored contact with that email. Leaves
   * the lookup alone when it points at another existing contact, because
   * then `contactId` has been deleted and the address belongs to a newer
   * contact.
   */
  async pointAt(email: string, contactId: string): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const holderId = await this.findContactId(email);
      if (holderId === contactId) return;
      // Callers may pass a contact read a moment ago that has been deleted since.
      if (!(await this.contactExists(contactId))) return;

      if (holderId === null) {
        if (await this.insert(email, contactId)) return;
        continue;
      }
      if (await this.contactExists(holderId)) return;
      if (await this.replace(email, holderId, contactId)) return;
    }
    throw new Error(`pointing the email address ${email} at contact ${contactId} failed: its lookup changed in each of ${MAX_ROUNDS} rounds; retry`);
  }

  /** Removes the lookup of `email` unless it points at a contact other than `contactId`, which was deleted. */
  async remove(email: string, contactId: string): Promise<void> {
    // A conditional delete ({ _id, contact_id }) would decode every lookup on
    // FerretDB. So this deletes by `_id` alone and puts the lookup back when
    // it pointed elsewhere, because a create took the address over after the
    // contact was deleted. If a newer claim got in first, the put-back fails
    // as a duplicate, and that create repairs the lookup if it loses.
    // TODO(#5): FerretDB 1.24 runs findOneAndDelete as a read, then a delete
    // by `_id`, and returns what it read, so a takeover that lands between
    // them is deleted without being put back. The contact then has no lookup
    // until a create of its address repairs it. MongoDB has no such window.
    const removed = await this.lookups.findOneAndDelete({ _id: email });
    if (removed !== null && removed.contact_id !== contactId) await this.insert(email, removed.contact_id);
  }

  /**
   * Inserts or repairs the lookup of every contact whose lookup is missing
   * or points elsewhere. This runs once per database, because a marker
   * document records completion and later starts only read that marker by
   * `_id`. A comparison of document counts would also notice contacts stored
   * later by an older version of this code. But countDocuments({}) decodes
   * every document on FerretDB 1.24.2, on each start of each process: about
   * 0.9 s for 20,000 contacts, measured on FerretDB as
   * scripts/services/ferretdb.ts starts it, on a 2-core machine.
   *
   * TODO(#5): a contact inserted after the backfill by a process that
   * predates this collection, as in a rolling upgrade, has no lookup, and
   * findByEmail misses it until a create of the same address repairs the
   * lookup. To run the backfill again, delete the document with `_id`
   * BACKFILL_MARKER_ID from contact_emails and restart.
   */
  async backfill(readContacts: () => AsyncIterable<ContactEmailSource>): Promise<void> {
    if (await this.isBackfillComplete()) return;

    // Loading every lookup first avoids one read per contact.
    const pointers = await this.loadAll();
    let missing: ContactEmailDoc[] = [];
    for await (const contact of readContacts()) {
      const pointer = pointers.get(contact.email);
      if (pointer === contact._id) continue;

      if (pointer === undefined) {
        missing.push({ _id: contact.email, contact_id: contact._id });
        if (missing.length >= BACKFILL_BATCH_SIZE) {
          await this.insertBatch(missing);
          missing = [];
        }
      } else {
        await this.pointAt(contact.email, contact._id);
      }
    }
    await this.insertBatch(missing);

    await this.markBackfillComplete();
  }

  /** Inserts the lookup; returns false when `email` already has one. */
  private async insert(email: string, contactId: string): Promise<boolean> {
    try {
      await this.lookups.insertOne({ _id: email, contact_id: contactId });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Points `email` from `expectedId` to `contactId`; returns false when it no longer points at `expectedId`. */
  private async replace(email: string, expectedId: string, contactId: string): Promise<boolean> {
    // On FerretDB this filter of `_id` plus another field decodes every
    // lookup. Only a takeover or a repair after a race gets here.
    const result = await this.lookups.updateOne({ _id: email, contact_id: expectedId }, { $set: { contact_id: contactId } });
    return result.matchedCount === 1;
  }

  private async insertBatch(lookups: ContactEmailDoc[]): Promise<void> {
    if (lookups.length === 0) return;
    try {
      await this.lookups.insertMany(lookups, { ordered: false });
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      // Some addresses got a lookup after loadAll read them, from a create or
      // from another process's backfill. Each entry is checked on its own, and
      // pointAt raises any error that is not a duplicate key.
      for (const lookup of lookups) await this.pointAt(lookup._id, lookup.contact_id);
    }
  }

  private async loadAll(): Promise<Map<string, string>> {
    const pointers = new Map<string, string>();
    for await (const lookup of this.lookups.find({ _id: { $ne: BACKFILL_MARKER_ID } })) {
      pointers.set(lookup._id, lookup.contact_id);
    }
    return pointers;
  }

  private async isBackfillComplete(): Promise<boolean> {
    return (await this.markers.findOne({ _id: BACKFILL_MARKER_ID })) !== null;
  }

  private async markBackfillComplete(): Promise<void> {
    try {
      await this.markers.insertOne({ _id: BACKFILL_MARKER_ID, completed_at: new Date() });
    } catch (error) {
      // Another process finished its backfill first.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
}
