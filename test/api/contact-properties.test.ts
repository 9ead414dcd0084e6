import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let server: ServerType;
let resend: Resend;

beforeAll(async () => {
  api = await createApiFixture();
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  resend = new Resend(api.apiKey, { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });

  for (const body of [
    { key: 'company', type: 'string', fallback_value: 'your company' },
    { key: 'seats', type: 'number' },
  ]) {
    expect((await api.request('POST', '/contact-properties', body)).status).toBe(201);
  }
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

async function declare(body: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', '/contact-properties', body);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('contact properties', () => {
  it('creates, reads, updates and deletes a declaration', async () => {
    const created = await api.request('POST', '/contact-properties', { key: 'tier', type: 'string', fallback_value: 'basic' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ object: 'contact_property', id: expect.any(String) });
    const id = created.body.id as string;

    const fetched = await api.request('GET', `/contact-properties/${id}`);
    expect(fetched.body).toEqual({
      object: 'contact_property',
      id,
      key: 'tier',
      type: 'string',
      fallback_value: 'basic',
      created_at: expect.any(String),
    });

    const patched = await api.request('PATCH', `/contact-properties/${id}`, { fallback_value: 'standard' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ object: 'contact_property', id });
    expect((await api.request('GET', `/contact-properties/${id}`)).body.fallback_value).toBe('standard');

    const list = await api.request('GET', '/contact-properties?limit=100');
    expect(list.body.object).toBe('list');
    expect(list.body.data[0]).toMatchObject({ id, key: 'tier' });

    const deleted = await api.request('DELETE', `/contact-properties/${id}`);
    expect(deleted.body).toEqual({ object: 'contact_property', id, deleted: true });
    expect((await api.request('GET', `/contact-properties/${id}`)).status).toBe(404);
  });

  it('rejects invalid declarations', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ key: 'flag', type: 'boolean' }, '`type` must be one of "string", "number"'],
      [{ key: 'bad key', type: 'string' }, '`key` must be 1 to 50 letters'],
      [{ key: 'amount', type: 'number', fallback_value: 'zero' }, '`fallback_value` must be of the property\'s `type`'],
      [{ key: 'company', type: 'string' }, 'Contact property "company" already exists'],
    ];
    for (const [body, message] of cases) {
      const response = await api.request('POST', '/contact-properties', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.message).toContain(message);
    }
  });

  it('rejects changes to key, type or fallback type', async () => {
    const id = await declare({ key: 'region', type: 'string' });

    const key = await api.request('PATCH', `/contact-properties/${id}`, { key: 'area', fallback_value: null });
    expect(key.status).toBe(422);
    expect(key.body.message).toContain('cannot change');

    const fallback = await api.request('PATCH', `/contact-properties/${id}`, { fallback_value: 5 });
    expect(fallback.status).toBe(422);
    expect(fallback.body.message).toContain('`fallback_value` must be a string');

    const missing = await api.request('PATCH', `/contact-properties/${id}`, {});
    expect(missing.status).toBe(422);
    expect(missing.body.name).toBe('missing_required_field');
  });

  it('answers 404 and 422 for unknown and malformed ids', async () => {
    expect((await api.request('GET', `/contact-properties/${uuidv7()}`)).status).toBe(404);
    const malformed = await api.request('GET', '/contact-properties/company');
    expect(malformed.status).toBe(422);
    expect(malformed.body.name).toBe('invalid_parameter');
  });

  it('works through the official client', async () => {
    const created = await resend.contactProperties.create({ key: 'score', type: 'number', fallbackValue: 0 });
    expect(created.error).toBeNull();
    const id = created.data!.id;

    const fetched = await resend.contactProperties.get(id);
    expect(fetched.data).toMatchObject({ object: 'contact_property', id, key: 'score', type: 'number', fallbackValue: 0 });

    const updated = await resend.contactProperties.update({ id, fallbackValue: 10 });
    expect(updated.data).toEqual({ object: 'contact_property', id });

    const listed = await resend.contactProperties.list({ limit: 100 });
    expect(listed.data!.data.find((item) => item.id === id)).toMatchObject({ key: 'score', fallbackValue: 10 });

    const removed = await resend.contactProperties.remove(id);
    expect(removed.data).toEqual({ object: 'contact_property', id, deleted: true });
  });
});

describe('contacts with declared properties', () => {
  it('rejects an undeclared property and stores nothing', async () => {
    const response = await api.request('POST', '/contacts', { email: 'undeclared@example.com', properties: { plan: 'pro' } });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(response.body.message).toBe(
      '`properties.plan` is not a declared contact property. Declare it with POST /contact-properties, then retry.',
    );
    expect(await api.repos.contacts.findByEmail('undeclared@example.com')).toBeNull();
  });

  it('rejects a value of the wrong type', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ seats: 'three' }, '`properties.seats` must be a number, got "three"'],
      [{ company: 12 }, '`properties.company` must be a string, got 12'],
      [{ company: true }, '`properties.company` must be a string, got true'],
    ];
    for (const [properties, message] of cases) {
      const response = await api.request('POST', '/contacts', { email: 'typed@example.com', properties });
      expect(response.status, JSON.stringify(properties)).toBe(422);
      expect(response.body.message).toContain(message);
    }
    expect(await api.repos.contacts.findByEmail('typed@example.com')).toBeNull();
  });

  it('checks properties on update and changes nothing when rejected', async () => {
    const created = await api.request('POST', '/contacts', { email: 'patch@example.com', properties: { seats: 2 } });
    expect(created.status).toBe(201);

    const rejected = await api.request('PATCH', '/contacts/patch@example.com', { first_name: 'Pat', properties: { seats: 3, plan: 'pro' } });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toContain('`properties.plan`');

    const contact = await api.request('GET', '/contacts/patch@example.com');
    expect(contact.body.first_name).toBeNull();
    expect(contact.body.properties.seats).toEqual({ type: 'number', value: 2 });

    const accepted = await api.request('PATCH', '/contacts/patch@example.com', { properties: { seats: null, company: 'Acme' } });
    expect(accepted.status).toBe(200);
    const after = await api.request('GET', '/contacts/patch@example.com');
    expect(after.body.properties).toEqual({ company: { type: 'string', value: 'Acme' } });
  });

  it('shows fallback values for unset properties', async () => {
    const created = await api.request('POST', '/contacts', { email: 'fallback@example.com' });
    expect(created.status).toBe(201);

    const contact = await api.request('GET', `/contacts/${created.body.id}`);
    expect(contact.body.properties).toEqual({ company: { type: 'string', value: 'your company' } });
  });

  it('removes values of a deleted declaration from contacts', async () => {
    const id = await declare({ key: 'nickname', type: 'string' });
    const created = await api.request('POST', '/contacts', { email: 'nick@example.com', properties: { nickname: 'Nic' } });
    expect(created.status).toBe(201);

    expect((await api.request('DELETE', `/contact-properties/${id}`)).status).toBe(200);
    const contact = await api.repos.contacts.findById(created.body.id);
    expect(contact!.properties).toEqual({});
  });
});
