import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deterministicUuidv7, uuidv7Millis } from '../../domain/ids.js';
import { createApiFixture, makeRunState, welcomeGraph } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let templateId: string;

beforeAll(async () => {
  api = await createApiFixture();
  templateId = (await api.request('POST', '/templates', { name: 'Welcome', html: '<p>Hi</p>' })).body.id;
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.engine.started.length = 0;
  api.engine.delivered.length = 0;
  api.engine.failure = undefined;
});

async function createAutomation(eventName: string, status: 'enabled' | 'disabled'): Promise<string> {
  const response = await api.request('POST', '/automations', { name: eventName, status, ...welcomeGraph(templateId, eventName) });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

/** Builds an object nested `levels` deep. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < levels; level += 1) value = { child: value };
  return value;
}

describe('POST /events/send', () => {
  it('starts one run per enabled automation of the event', async () => {
    const first = await createAutomation('order.placed', 'enabled');
    const second = await createAutomation('order.placed', 'enabled');
    await createAutomation('order.placed', 'disabled');
    await createAutomation('order.shipped', 'enabled');
    const contact = await api.repos.contacts.create({ email: 'buyer@example.com' });

    const response = await api.request('POST', '/events/send', {
      event: 'order.placed',
      contact_id: contact!._id,
      payload: { total: 42, items: [{ sku: 'A-1' }] },
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ object: 'event', event: 'order.placed' });

    const started = api.engine.started;
    expect(started.map((input) => input.automationId).sort()).toEqual([first, second].sort());
    for (const input of started) {
      expect(input.contactId).toBe(contact!._id);
      expect(input.trigger).toMatchObject({ event: 'order.placed', payload: { total: 42, items: [{ sku: 'A-1' }] } });
      expect(input.runId).toBe(deterministicUuidv7(`${input.trigger.eventId}:${input.automationId}`, input.createdAt));
      expect(uuidv7Millis(input.runId)).toBe(input.createdAt);
      expect(input.graph.steps.map((step) => step.key)).toEqual(['start', 'welcome']);
    }
    expect(new Set(started.map((input) => input.trigger.eventId)).size).toBe(1);
  });

  it('creates the contact for an unknown email', async () => {
    const response = await api.request('POST', '/events/send', { event: 'signup', email: 'New.Person@Example.com' });
    expect(response.status).toBe(202);
    const contact = await api.repos.contacts.findByEmail('new.person@example.com');
    expect(contact).not.toBeNull();
  });

  it('delivers the event to the contact runs in progress', async () => {
    const automationId = await createAutomation('payment.succeeded', 'enabled');
    const contact = await api.repos.contacts.create({ email: 'waiting@example.com' });
    const waiting = makeRunState({ runId: '0190a5f6-6b1c-7d2e-8f3a-0000000000e1', automationId, contactId: contact!._id });
    const done = makeRunState({
      runId: '0190a5f6-6b1c-7d2e-8f3a-0000000000e2',
      automationId,
      contactId: contact!._id,
      status: 'completed',
    });
    await api.repos.runs.saveState(waiting);
    await api.repos.runs.saveState(done);

    const response = await api.request('POST', '/events/send', {
      event: 'payment.succeeded',
      email: 'waiting@example.com',
      payload: { amount: 10 },
    });
    expect(response.status).toBe(202);
    expect(api.engine.delivered).toHaveLength(1);
    expect(api.engine.delivered[0]!.runIds).toEqual([waiting.runId]);
    expect(api.engine.delivered[0]!.event).toMatchObject({
      event: 'payment.succeeded',
      payload: { amount: 10 },
      contact: { id: contact!._id, email: 'waiting@example.com', unsubscribed: false },
    });
    expect(api.engine.delivered[0]!.event.eventId).toBe(api.engine.started[0]!.trigger.eventId);
  });

  it('answers 404 for an unknown contact id and starts nothing', async () => {
    await createAutomation('ping', 'enabled');
    const response = await api.request('POST', '/events/send', { event: 'ping', contact_id: '0190a5f6-6b1c-7d2e-8f3a-0123456789ab' });
    expect(response.status).toBe(404);
    expect(response.body.name).toBe('not_found');
    expect(api.engine.started).toEqual([]);
  });

  it('answers 503 application_error when the engine is down', async () => {
    await createAutomation('outage', 'enabled');
    api.engine.failure = new Error('14 UNAVAILABLE: No connection established');
    const response = await api.request('POST', '/events/send', { event: 'outage', email: 'outage@example.com' });
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ name: 'application_error', statusCode: 503, message: expect.stringContaining('Retry') });
    expect(response.body.message).not.toContain('UNAVAILABLE');
  });

  it('rejects invalid events and creates no contact', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ email: 'x@example.com' }, 'missing_required_field', '`event`'],
      [{ event: '', email: 'x@example.com' }, 'validation_error', '`event`'],
      [{ event: 'e'.repeat(201), email: 'x@example.com' }, 'validation_error', '`event`'],
      [{ event: 'resend:contact.created', email: 'x@example.com' }, 'validation_error', 'reserved'],
      [{ event: 'ping' }, 'validation_error', 'exactly one of `contact_id` or `email`'],
      [{ event: 'ping', email: 'x@example.com', contact_id: '0190a5f6-6b1c-7d2e-8f3a-0123456789ab' }, 'validation_error', 'exactly one'],
      [{ event: 'ping', email: 'x@example.com', payload: [1, 2] }, 'validation_error', '`payload`'],
      [{ event: 'ping', email: 'x@example.com', payload: 'text' }, 'validation_error', '`payload`'],
      [{ event: 'ping', email: 'x@example.com', payload: { big: 'x'.repeat(70 * 1024) } }, 'validation_error', 'bytes'],
      [{ event: 'ping', email: 'x@example.com', payload: nested(11) }, 'validation_error', 'nested'],
      [{ event: 'ping', contact_id: 'abc' }, 'validation_error', '`contact_id`'],
      [{ event: 'ping', email: 'x@example.com', extra: true }, 'validation_error', '`extra`'],
    ];
    for (const [body, name, fragment] of cases) {
      const response = await api.request('POST', '/events/send', body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(response.body.name, JSON.stringify(body).slice(0, 80)).toBe(name);
      expect(response.body.message, JSON.stringify(body).slice(0, 80)).toContain(fragment);
    }
    expect(await api.repos.contacts.findByEmail('x@example.com')).toBeNull();
    expect(api.engine.started).toEqual([]);
  });
});

describe('Idempotency-Key on /events/send', () => {
  it('replays the first response and starts nothing twice', async () => {
    await createAutomation('idem.replay', 'enabled');
    const body = { event: 'idem.replay', email: 'idem@example.com', payload: { n: 1 } };
    const headers = { 'Idempotency-Key': 'order-1001' };

    const first = await api.request('POST', '/events/send', body, headers);
    expect(first.status).toBe(202);
    expect(api.engine.started).toHaveLength(1);

    const second = await api.request('POST', '/events/send', body, headers);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(api.engine.started).toHaveLength(1);
  });

  it('reuses the event id after a failed attempt', async () => {
    await createAutomation('idem.retry', 'enabled');
    const body = { event: 'idem.retry', email: 'retry@example.com' };
    const headers = { 'Idempotency-Key': 'retry-7' };

    api.engine.failure = new Error('unavailable');
    const failed = await api.request('POST', '/events/send', body, headers);
    expect(failed.status).toBe(503);

    api.engine.failure = undefined;
    const retried = await api.request('POST', '/events/send', body, headers);
    expect(retried.status).toBe(202);
    expect(api.engine.started).toHaveLength(1);

    const withoutKey = await api.request('POST', '/events/send', body);
    expect(withoutKey.status).toBe(202);
    expect(api.engine.started).toHaveLength(2);
    expect(api.engine.started[1]!.runId).not.toBe(api.engine.started[0]!.runId);
  });

  it('derives the same run id on a retry of an unfinished request', async () => {
    const automationId = await createAutomation('idem.same', 'enabled');
    const body = { event: 'idem.same', email: 'same@example.com' };
    const headers = { 'Idempotency-Key': 'same-run' };
    // Plays a crash after the runs started but before the response was stored.
    const original = api.repos.idempotency.complete.bind(api.repos.idempotency);
    api.repos.idempotency.complete = async () => {
      throw new Error('process died');
    };
    try {
      expect((await api.request('POST', '/events/send', body, headers)).status).toBe(500);
    } finally {
      api.repos.idempotency.complete = original;
    }

    expect((await api.request('POST', '/events/send', body, headers)).status).toBe(202);
    const runIds = api.engine.started.filter((input) => input.automationId === automationId).map((input) => input.runId);
    expect(runIds).toHaveLength(2);
    expect(runIds[1]).toBe(runIds[0]);
  });

  it('rejects a key reused with another body', async () => {
    const headers = { 'Idempotency-Key': 'reused' };
    expect((await api.request('POST', '/events/send', { event: 'a', email: 'reuse@example.com' }, headers)).status).toBe(202);
    const response = await api.request('POST', '/events/send', { event: 'b', email: 'reuse@example.com' }, headers);
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_idempotent_request');
  });

  it('stores no key for an unknown contact', async () => {
    const keys = api.db.collection('idempotency_keys');
    const before = await keys.countDocuments();
    const body = { event: 'a', contact_id: '0190a5f6-6b1c-7d2e-8f3a-00000000beef' };
    const response = await api.request('POST', '/events/send', body, { 'Idempotency-Key': 'unknown-contact' });
    expect(response.status).toBe(404);
    expect(response.body.name).toBe('not_found');
    expect(await keys.countDocuments()).toBe(before);
  });

  it('rejects a malformed key', async () => {
    const response = await api.request('POST', '/events/send', { event: 'a', email: 'k@example.com' }, { 'Idempotency-Key': 'has spaces' });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_idempotency_key');
  });

  it('starts a new claim once the 24-hour window has passed', async () => {
    const day = 24 * 60 * 60 * 1000;
    const old = await api.repos.idempotency.claim('expiring', { requestHash: 'h', eventId: 'old-event', acceptedAt: Date.now() - day - 1000 });
    expect(old.eventId).toBe('old-event');
    const renewed = await api.repos.idempotency.claim('expiring', { requestHash: 'h', eventId: 'new-event', acceptedAt: Date.now() });
    expect(renewed.eventId).toBe('new-event');
    expect(await api.repos.idempotency.deleteExpired(Date.now() + day + 1000)).toBeGreaterThanOrEqual(1);
  });
});
