/**
 * Finding contacts by email through the contact_emails collection, on the
 * FerretDB (or MONGODB_URI server) of the test run: lookups left behind by
 * crashes, the backfill of contacts that have no lookup, and concurrent creates.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_MARKER_ID, CONTACT_EMAILS_COLLECTION, ContactEmailsRepository } from '../../repositories/contact-emails.js';
import type { ContactEmailDoc } from '../../repositories/contact-emails.js';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await createApiFixture();
});
afterAll(async () => {
  await api.close();
});

function lookups() {
  return api.db.collection<ContactEmailDoc>(CONTACT_EMAILS_COLLECTION);
}

async function lookupOf(email: string): Promise<string | null> {
  const lookup = await lookups().findOne({ _id: email });
  return lookup?.contact_id ?? null;
}

async function createContact(email: string): Promise<string> {
  const contact = await api.repos.contacts.create({ email });
  expect(contact, email).not.toBeNull();
  return contact!._id;
}

async function deleteContactDocument(id: string): Promise<void> {
  const result = await api.db.collection<{ _id: string }>('contacts').deleteOne({ _id: id });
  expect(result.deletedCount).toBe(1);
}

/** Runs 20 findOrCreateByEmail calls at once and checks that exactly one created the contact they all return. */
async function expectConcurrentCallsAgree(email: string, normalized: string): Promise<void> {
  const results = await Promise.all(Array.from({ length: 20 }, () => api.repos.contacts.findOrCreateByEmail(email)));

  const ids = new Set(results.map((result) => result.contact._id));
  expect(ids.size).toBe(1);
  expect(results.filter((result) => result.created)).toHaveLength(1);
  const [id] = [...ids];
  expect(await api.db.collection('contacts').countDocuments({ email: normalized })).toBe(1);
  expect(await lookupOf(normalized)).toBe(id);
  expect((await api.repos.contacts.findByEmail(normalized))?._id).toBe(id);
}

describe('contact lookup by email', () => {
  it('finds a contact by normalized email', async () => {
    const response = await api.request('POST', '/contacts', { email: 'Mixed.Case@Example.com' });
    expect(response.status).toBe(201);
    const id = response.body.id as string;

    expect(await lookupOf('mixed.case@example.com')).toBe(id);
    expect((await api.repos.contacts.findByEmail('  MIXED.case@EXAMPLE.com  '))?._id).toBe(id);
    const byEmail = await api.request('GET', '/contacts/MIXED.CASE@example.com');
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(id);
    expect(byEmail.body.email).toBe('mixed.case@example.com');
  });

  it('returns null without a lookup', async () => {
    expect(await api.repos.contacts.findByEmail('nobody@example.com')).toBeNull();
    expect(await api.repos.contacts.findByEmail(BACKFILL_MARKER_ID)).toBeNull();
  });

  it('creates one contact for 20 concurrent calls', async () => {
    await expectConcurrentCallsAgree(' Burst@Example.com', 'burst@example.com');
  });

  it('agrees on one contact over a crashed claim', async () => {
    // A create that crashed after claiming the address leaves a lookup of a contact that was never stored.
    await lookups().insertOne({ _id: 'crashed@example.com', contact_id: randomUUID() });

    await expectConcurrentCallsAgree('crashed@example.com', 'crashed@example.com');
  });

  it('repairs a lookup left by a lost race', async () => {
    const id = await createContact('lost-race@example.com');
    // A create that took over the claim just as the winner inserted its contact, then crashed.
    await lookups().updateOne({ _id: 'lost-race@example.com' }, { $set: { contact_id: randomUUID() } });

    expect((await api.repos.contacts.findByEmail('lost-race@example.com'))?._id).toBe(id);
    expect(await lookupOf('lost-race@example.com')).toBe(id);

    await lookups().updateOne({ _id: 'lost-race@example.com' }, { $set: { contact_id: randomUUID() } });
    const result = await api.repos.contacts.findOrCreateByEmail('lost-race@example.com');

    expect(result.created).toBe(false);
    expect(result.contact._id).toBe(id);
    expect(await lookupOf('lost-race@example.com')).toBe(id);
    expect(await api.db.collection('contacts').countDocuments({ email: 'lost-race@example.com' })).toBe(1);
  });

  it("creates over a deleted contact's lookup", async () => {
    const oldId = await createContact('stale@example.com');
    // Deleting only the contact document leaves its lookup, as a crash in delete would.
    await deleteContactDocument(oldId);
    expect(await lookupOf('stale@example.com')).toBe(oldId);
    expect(await api.repos.contacts.findByEmail('stale@example.com')).toBeNull();
    expect((await api.request('GET', '/contacts/stale@example.com')).status).toBe(404);

    const response = await api.request('POST', '/contacts', { email: 'Stale@example.com' });
    expect(response.status).toBe(201);
    const newId = response.body.id as string;

    expect(newId).not.toBe(oldId);
    expect(await lookupOf('stale@example.com')).toBe(newId);
    expect((await api.repos.contacts.findByEmail('stale@example.com'))?._id).toBe(newId);
  });

  it("reports created over a deleted contact's lookup", async () => {
    const oldId = await createContact('stale-event@example.com');
    await deleteContactDocument(oldId);

    const result = await api.repos.contacts.findOrCreateByEmail('stale-event@example.com');

    expect(result.created).toBe(true);
    expect(result.contact._id).not.toBe(oldId);
    expect((await api.repos.contacts.findByEmail('stale-event@example.com'))?._id).toBe(result.contact._id);
  });

  it('recreates an address after delete', async () => {
    const oldId = await createContact('again@example.com');

    expect(await api.repos.contacts.delete(oldId)).toBe(true);
    expect(await lookupOf('again@example.com')).toBeNull();
    expect(await api.repos.contacts.findByEmail('again@example.com')).toBeNull();

    const newId = await createContact('again@example.com');
    expect(newId).not.toBe(oldId);
    expect((await api.repos.contacts.findByEmail('again@example.com'))?._id).toBe(newId);
  });

  it('recreates an address deleted through the API', async () => {
    const oldId = await createContact('api-again@example.com');

    const deleted = await api.request('DELETE', '/contacts/API-again@example.com');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ object: 'contact', contact: oldId, deleted: true });
    expect((await api.request('GET', '/contacts/api-again@example.com')).status).toBe(404);

    const created = await api.request('POST', '/events/send', { event: 'signup', email: 'api-again@example.com' });
    expect(created.status).toBe(202);
    const contact = await api.repos.contacts.findByEmail('api-again@example.com');
    expect(contact).not.toBeNull();
    expect(contact!._id).not.toBe(oldId);
  });

  it('rejects POST /contacts for an existing email with 422', async () => {
    const id = await createContact('taken@example.com');

    const response = await api.request('POST', '/contacts', { email: 'TAKEN@example.com', first_name: 'Second' });

    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(response.body.message).toContain('taken@example.com');
    expect(await api.db.collection('contacts').countDocuments({ email: 'taken@example.com' })).toBe(1);
    expect(await lookupOf('taken@example.com')).toBe(id);
    expect((await api.repos.contacts.findById(id))?.first_name).toBeNull();
  });
});

describe('contact lookup backfill', () => {
  it('adds a missing lookup', async () => {
    const id = await createContact('before@example.com');
    // A database from before contact_emails existed has neither the lookup nor the marker.
    await lookups().deleteOne({ _id: 'before@example.com' });
    await lookups().deleteOne({ _id: BACKFILL_MARKER_ID });
    expect(await api.repos.contacts.findByEmail('before@example.com')).toBeNull();

    await api.repos.contacts.ensureIndexes();

    expect(await lookupOf('before@example.com')).toBe(id);
    expect((await api.repos.contacts.findByEmail('before@example.com'))?._id).toBe(id);
    expect(await lookups().countDocuments({ _id: BACKFILL_MARKER_ID })).toBe(1);
  });

  it('repoints a lookup of a missing contact', async () => {
    const id = await createContact('repoint@example.com');
    await lookups().updateOne({ _id: 'repoint@example.com' }, { $set: { contact_id: randomUUID() } });
    await lookups().deleteOne({ _id: BACKFILL_MARKER_ID });

    await api.repos.contacts.ensureIndexes();

    expect(await lookupOf('repoint@example.com')).toBe(id);
  });

  it('runs once per database', async () => {
    const id = await createContact('after-backfill@example.com');
    await lookups().deleteOne({ _id: 'after-backfill@example.com' });

    await api.repos.contacts.ensureIndexes();

    expect(await lookups().countDocuments({ _id: BACKFILL_MARKER_ID })).toBe(1);
    expect(await lookupOf('after-backfill@example.com')).toBeNull();

    // A create of the address loses to the unique email index and restores the lookup.
    expect(await api.repos.contacts.create({ email: 'after-backfill@example.com' })).toBeNull();
    expect(await lookupOf('after-backfill@example.com')).toBe(id);
    expect((await api.repos.contacts.findByEmail('after-backfill@example.com'))?._id).toBe(id);
  });
});

describe('ContactEmailsRepository.remove', () => {
  it('keeps a lookup that points at another contact', async () => {
    const emails = new ContactEmailsRepository(api.db, async () => true);
    const id = await createContact('kept@example.com');

    await emails.remove('kept@example.com', randomUUID());

    expect(await lookupOf('kept@example.com')).toBe(id);
  });

  it('removes a lookup that points at the given contact', async () => {
    const emails = new ContactEmailsRepository(api.db, async () => true);
    const id = await createContact('removed@example.com');

    await emails.remove('removed@example.com', id);

    expect(await lookupOf('removed@example.com')).toBeNull();
  });
});
