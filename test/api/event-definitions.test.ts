import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createApiFixture, welcomeGraph } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let server: ServerType;
let resend: Resend;
let templateId: string;

beforeAll(async () => {
  api = await createApiFixture();
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  resend = new Resend(api.apiKey, { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  templateId = (await api.request('POST', '/templates', { name: 'Receipt', html: '<p>Thanks</p>' })).body.id;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});
beforeEach(() => {
  api.engine.started.length = 0;
});

async function defineEvent(name: string, schema?: Record<string, string> | null): Promise<string> {
  const response = await api.request('POST', '/events', schema === undefined ? { name } : { name, schema });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function enableAutomation(eventName: string): Promise<void> {
  const response = await api.request('POST', '/automations', {
    name: eventName,
    status: 'enabled',
    ...welcomeGraph(templateId, eventName),
  });
  expect(response.status).toBe(201);
}

describe('event definitions', () => {
  it('creates, reads, updates and deletes a definition', async () => {
    const created = await api.request('POST', '/events', { name: 'invoice.paid', schema: { amount: 'number', paid_at: 'date' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ object: 'event', id: expect.any(String) });
    const id = created.body.id as string;

    const byName = await api.request('GET', '/events/invoice.paid');
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual({
      object: 'event',
      id,
      name: 'invoice.paid',
      schema: { amount: 'number', paid_at: 'date' },
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00$/),
      updated_at: null,
    });
    const byId = await api.request('GET', `/events/${id}`);
    expect(byId.body.name).toBe('invoice.paid');

    const patched = await api.request('PATCH', `/events/${id}`, { schema: { amount: 'string' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ object: 'event', id });
    const after = await api.request('GET', `/events/${id}`);
    expect(after.body.schema).toEqual({ amount: 'string' });
    expect(after.body.updated_at).not.toBeNull();

    const cleared = await api.request('PATCH', '/events/invoice.paid', { schema: null });
    expect(cleared.status).toBe(200);
    expect((await api.request('GET', `/events/${id}`)).body.schema).toBeNull();

    const deleted = await api.request('DELETE', '/events/invoice.paid');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ object: 'event', id, deleted: true });
    expect((await api.request('GET', `/events/${id}`)).status).toBe(404);
  });

  it('lists definitions newest first in pages', async () => {
    const ids = [];
    for (const name of ['list.a', 'list.b', 'list.c']) ids.push(await defineEvent(name));

    const first = await api.request('GET', '/events?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.object).toBe('list');
    expect(first.body.has_more).toBe(true);
    expect(first.body.data.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[0]).toEqual({
      id: ids[2],
      name: 'list.c',
      schema: null,
      created_at: expect.any(String),
      updated_at: null,
    });
  });

  it('rejects reserved, duplicate and UUID names', async () => {
    const reserved = await api.request('POST', '/events', { name: 'resend:email.sent' });
    expect(reserved.status).toBe(422);
    expect(reserved.body.message).toContain('`name` must not start with "resend:"');

    await defineEvent('dup.event');
    const duplicate = await api.request('POST', '/events', { name: 'dup.event' });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.name).toBe('validation_error');
    expect(duplicate.body.message).toContain('already defined');

    const uuidName = await api.request('POST', '/events', { name: uuidv7() });
    expect(uuidName.status).toBe(422);
    expect(uuidName.body.message).toContain('must not be a UUID');
  });

  it('rejects invalid schemas', async () => {
    const cases: Array<[unknown, string]> = [
      [{ amount: 'integer' }, '`schema.amount` must be one of "string", "number", "boolean", "date"'],
      [{ nested: { a: 'string' } }, '`schema.nested`'],
      [{ 'a.b': 'string' }, 'Key `a.b` in `schema`'],
      [['amount'], '`schema` must be an object'],
    ];
    for (const [schema, message] of cases) {
      const response = await api.request('POST', '/events', { name: 'bad.schema', schema });
      expect(response.status, JSON.stringify(schema)).toBe(422);
      expect(response.body.message).toContain(message);
    }
    const unknownField = await api.request('POST', '/events', { name: 'bad.schema', schema: {}, extra: 1 });
    expect(unknownField.status).toBe(422);
    expect((await api.request('GET', '/events/bad.schema')).status).toBe(404);

    await defineEvent('patch.me');
    const missing = await api.request('PATCH', '/events/patch.me', {});
    expect(missing.status).toBe(422);
    expect(missing.body.name).toBe('missing_required_field');
  });

  it('answers 404 for unknown names and ids', async () => {
    expect((await api.request('GET', '/events/never.defined')).status).toBe(404);
    expect((await api.request('DELETE', `/events/${uuidv7()}`)).status).toBe(404);
    expect((await api.request('PATCH', '/events/never.defined', { schema: null })).status).toBe(404);
  });

  it('works through the official client with encoded names', async () => {
    const created = await resend.events.create({ name: 'order placed/eu', schema: { total: 'number' } });
    expect(created.error).toBeNull();
    const id = created.data!.id;

    const fetched = await resend.events.get('order placed/eu');
    expect(fetched.error).toBeNull();
    expect(fetched.data).toMatchObject({ object: 'event', id, name: 'order placed/eu', schema: { total: 'number' } });

    const updated = await resend.events.update('order placed/eu', { schema: { total: 'string' } });
    expect(updated.data).toEqual({ object: 'event', id });

    const listed = await resend.events.list({ limit: 100 });
    expect(listed.data!.data.map((item) => item.id)).toContain(id);

    const removed = await resend.events.remove('order placed/eu');
    expect(removed.data).toEqual({ object: 'event', id, deleted: true });
  });
});

describe('POST /events/send with a schema', () => {
  it('coerces payload values before starting runs', async () => {
    await defineEvent('coerce.test', { amount: 'number', paid: 'boolean', due: 'date', note: 'string' });
    await enableAutomation('coerce.test');

    const response = await api.request('POST', '/events/send', {
      event: 'coerce.test',
      email: 'coerce@example.com',
      payload: { amount: '49.90', paid: 'true', due: '2026-10-01T12:00:00+02:00', note: 'n', extra: { kept: true } },
    });
    expect(response.status).toBe(202);
    expect(api.engine.started).toHaveLength(1);
    expect(api.engine.started[0]!.trigger.payload).toEqual({
      amount: 49.9,
      paid: true,
      due: '2026-10-01T10:00:00.000Z',
      note: 'n',
      extra: { kept: true },
    });
  });

  it('allows fields of the schema to be missing', async () => {
    await defineEvent('partial.test', { amount: 'number', paid: 'boolean' });
    await enableAutomation('partial.test');

    const response = await api.request('POST', '/events/send', {
      event: 'partial.test',
      email: 'partial@example.com',
      payload: { paid: false },
    });
    expect(response.status).toBe(202);
    expect(api.engine.started[0]!.trigger.payload).toEqual({ paid: false });
  });

  it('rejects a mismatched field and starts nothing', async () => {
    await defineEvent('reject.test', { amount: 'number', due: 'date' });
    await enableAutomation('reject.test');

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amount: 'forty' }, '`payload.amount` must be a number or a numeric string, got "forty"'],
      [{ amount: true }, '`payload.amount` must be a number'],
      [{ due: '2026-02-30' }, '`payload.due` must be an ISO 8601 date'],
    ];
    for (const [payload, message] of cases) {
      const response = await api.request('POST', '/events/send', { event: 'reject.test', email: 'reject@example.com', payload });
      expect(response.status, JSON.stringify(payload)).toBe(422);
      expect(response.body.name).toBe('validation_error');
      expect(response.body.message).toContain(message);
      expect(response.body.message).toContain('event "reject.test"');
    }
    expect(api.engine.started).toHaveLength(0);
    expect(await api.repos.contacts.findByEmail('reject@example.com')).toBeNull();
  });

  it('keeps the idempotency key free after a rejection', async () => {
    await defineEvent('idem.test', { amount: 'number' });
    await enableAutomation('idem.test');
    const headers = { 'Idempotency-Key': 'idem-schema-1' };

    const rejected = await api.request('POST', '/events/send', { event: 'idem.test', email: 'idem@example.com', payload: { amount: 'x' } }, headers);
    expect(rejected.status).toBe(422);

    const accepted = await api.request('POST', '/events/send', { event: 'idem.test', email: 'idem@example.com', payload: { amount: '3' } }, headers);
    expect(accepted.status).toBe(202);
    expect(api.engine.started).toHaveLength(1);
    expect(api.engine.started[0]!.trigger.payload).toEqual({ amount: 3 });
  });

  it('passes any payload for an event without a definition', async () => {
    await enableAutomation('undefined.test');
    const response = await api.request('POST', '/events/send', {
      event: 'undefined.test',
      email: 'free@example.com',
      payload: { amount: 'anything' },
    });
    expect(response.status).toBe(202);
    expect(api.engine.started[0]!.trigger.payload).toEqual({ amount: 'anything' });
  });
});
