import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await createApiFixture();
  for (const body of [{ key: 'plan', type: 'string' }, { key: 'seats', type: 'number' }]) {
    expect((await api.request('POST', '/contact-properties', body)).status).toBe(201);
  }
});
afterAll(async () => {
  await api.close();
});

async function createSegment(name: string): Promise<string> {
  const response = await api.request('POST', '/segments', { name });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function createContact(body: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', '/contacts', body);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('contacts', () => {
  it('creates a contact and reads it by id and by email', async () => {
    const segmentId = await createSegment('Newsletter');
    const response = await api.request('POST', '/contacts', {
      email: 'Jane@Example.com',
      first_name: 'Jane',
      last_name: 'Doe',
      properties: { plan: 'pro', seats: 3 },
      segments: [{ id: segmentId }],
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ object: 'contact', id: expect.any(String) });
    const id = response.body.id as string;

    const byId = await api.request('GET', `/contacts/${id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual({
      object: 'contact',
      id,
      email: 'jane@example.com',
      first_name: 'Jane',
      last_name: 'Doe',
      unsubscribed: false,
      created_at: expect.any(String),
      properties: {
        plan: { type: 'string', value: 'pro' },
        seats: { type: 'number', value: 3 },
      },
    });

    const byEmail = await api.request('GET', '/contacts/JANE@example.com');
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.id).toBe(id);

    const segments = await api.request('GET', `/contacts/${id}/segments`);
    expect(segments.body.data.map((segment: { id: string }) => segment.id)).toEqual([segmentId]);
  });

  it('updates fields and removes a property set to null', async () => {
    const id = await createContact({ email: 'update@example.com', first_name: 'Up', properties: { plan: 'free', seats: 1 } });
    const response = await api.request('PATCH', '/contacts/update@example.com', {
      first_name: null,
      unsubscribed: true,
      properties: { plan: 'pro', seats: null },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'contact', id });

    const contact = await api.request('GET', `/contacts/${id}`);
    expect(contact.body.first_name).toBeNull();
    expect(contact.body.unsubscribed).toBe(true);
    expect(contact.body.properties).toEqual({ plan: { type: 'string', value: 'pro' } });
  });

  it('deletes a contact and its memberships', async () => {
    const segmentId = await createSegment('Delete members');
    const id = await createContact({ email: 'delete@example.com', segments: [{ id: segmentId }] });

    const response = await api.request('DELETE', `/contacts/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'contact', contact: id, deleted: true });
    expect((await api.request('GET', `/contacts/${id}`)).status).toBe(404);
    expect(await api.db.collection('segment_memberships').countDocuments({ contact_id: id })).toBe(0);
  });

  it('rejects a second contact with the same email', async () => {
    await createContact({ email: 'twice@example.com' });
    const response = await api.request('POST', '/contacts', { email: 'TWICE@example.com' });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('twice@example.com');
    expect(await api.db.collection('contacts').countDocuments({ email: 'twice@example.com' })).toBe(1);
  });

  it('rejects an unknown segment and stores nothing', async () => {
    const response = await api.request('POST', '/contacts', {
      email: 'nosegment@example.com',
      segments: [{ id: '0190a5f6-6b1c-7d2e-8f3a-0123456789ab' }],
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('0190a5f6-6b1c-7d2e-8f3a-0123456789ab');
    expect(await api.repos.contacts.findByEmail('nosegment@example.com')).toBeNull();
  });

  it('rejects invalid emails, property keys and values', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ email: 'not-an-email' }, '`email`'],
      [{ email: 'a@example.com', properties: { 'bad key': 'x' } }, '`properties`'],
      [{ email: 'a@example.com', properties: { 'a.b': 'x' } }, '`properties`'],
      [{ email: 'a@example.com', properties: { nested: { x: 1 } } }, '`properties.nested`'],
      [{ email: 'a@example.com', unsubscribed: 'yes' }, '`unsubscribed`'],
    ];
    for (const [body, field] of cases) {
      const response = await api.request('POST', '/contacts', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.message, JSON.stringify(body)).toContain(field);
    }
    expect(await api.repos.contacts.findByEmail('a@example.com')).toBeNull();
  });

  it('names the invalid property key and the rule', async () => {
    const response = await api.request('POST', '/contacts', { email: 'key@example.com', properties: { 'bad key': 'x' } });
    expect(response.status).toBe(422);
    expect(response.body.message).toBe(
      'Key `bad key` in `properties` must be 1 to 50 letters, digits or underscores, not starting with a digit.',
    );
  });

  it('rejects a path that is neither an id nor an email', async () => {
    const response = await api.request('GET', '/contacts/nobody');
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
  });

  it('answers an unknown email with 404', async () => {
    const response = await api.request('GET', '/contacts/ghost@example.com');
    expect(response.status).toBe(404);
    expect(response.body.name).toBe('not_found');
  });

  it('finds or creates one contact under concurrent calls', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api.repos.contacts.findOrCreateByEmail('Race@Example.com')),
    );
    const ids = new Set(results.map((result) => result.contact._id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await api.db.collection('contacts').countDocuments({ email: 'race@example.com' })).toBe(1);
  });
});

describe('contact segment membership', () => {
  it('adds, lists and removes a membership idempotently', async () => {
    const segmentId = await createSegment('Members');
    const contactId = await createContact({ email: 'member@example.com' });

    const added = await api.requestRaw('POST', `/contacts/member@example.com/segments/${segmentId}`, undefined);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ object: 'segment', id: segmentId });
    const again = await api.requestRaw('POST', `/contacts/${contactId}/segments/${segmentId}`, undefined);
    expect(again.status).toBe(200);
    expect(await api.db.collection('segment_memberships').countDocuments({ segment_id: segmentId })).toBe(1);

    const contacts = await api.request('GET', `/segments/${segmentId}/contacts`);
    expect(contacts.body.data.map((contact: { id: string }) => contact.id)).toEqual([contactId]);

    const removed = await api.request('DELETE', `/contacts/${contactId}/segments/${segmentId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ object: 'segment', id: segmentId, deleted: true });
    const removedAgain = await api.request('DELETE', `/contacts/${contactId}/segments/${segmentId}`);
    expect(removedAgain.status).toBe(404);
  });

  it('answers an unknown segment with 404', async () => {
    await createContact({ email: 'lonely@example.com' });
    const response = await api.requestRaw('POST', '/contacts/lonely@example.com/segments/0190a5f6-6b1c-7d2e-8f3a-0123456789ab', undefined);
    expect(response.status).toBe(404);
  });
});

describe('segments', () => {
  it('creates, renames, reads and deletes a segment', async () => {
    const created = await api.request('POST', '/segments', { name: 'Early adopters' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ object: 'segment', id: expect.any(String), name: 'Early adopters' });
    const id = created.body.id as string;

    const renamed = await api.request('PATCH', `/segments/${id}`, { name: 'Pioneers' });
    expect(renamed.body).toEqual({ object: 'segment', id });
    const fetched = await api.request('GET', `/segments/${id}`);
    expect(fetched.body).toEqual({ object: 'segment', id, name: 'Pioneers', created_at: expect.any(String) });

    const contactId = await createContact({ email: 'pioneer@example.com', segments: [{ id }] });
    const deleted = await api.request('DELETE', `/segments/${id}`);
    expect(deleted.body).toEqual({ object: 'segment', id, deleted: true });
    expect((await api.request('GET', `/segments/${id}`)).status).toBe(404);
    expect(await api.repos.segments.listContactSegments(contactId)).toEqual([]);
  });

  it('rejects a blank name', async () => {
    const response = await api.request('POST', '/segments', { name: '   ' });
    expect(response.status).toBe(422);
    expect(response.body.message).toBe('`name` must not be empty.');
  });
});
