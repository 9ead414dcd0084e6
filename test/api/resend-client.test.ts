/**
 * The official `resend` client against the API on a loopback port, with the
 * RunsEngine stub in place of Temporal. It checks the wire shapes of every
 * resource this API serves, including POST requests without a body.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Resend } from 'resend';
import type { AutomationStep } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createApiFixture, makeRunState } from './fixture.js';
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
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

describe('official resend client', () => {
  it('creates, publishes, duplicates and removes a template', async () => {
    const created = await resend.templates
      .create({
        name: 'Client template',
        subject: 'Hello {{{NAME}}}',
        html: '<p>Hello {{{NAME}}}</p>',
        replyTo: ['help@example.com'],
        variables: [{ key: 'NAME', type: 'string', fallbackValue: 'friend' }],
      })
      .publish();
    expect(created.error).toBeNull();
    const id = created.data!.id;

    const fetched = await resend.templates.get(id);
    expect(fetched.error).toBeNull();
    expect(fetched.data).toMatchObject({ object: 'template', status: 'published', reply_to: ['help@example.com'] });
    expect(fetched.data!.variables).toEqual([expect.objectContaining({ key: 'NAME', type: 'string', fallback_value: 'friend' })]);

    const updated = await resend.templates.update(id, { subject: 'Hi {{{NAME}}}' });
    expect(updated.data).toEqual({ object: 'template', id });

    const copy = await resend.templates.duplicate(id);
    expect(copy.error).toBeNull();
    const list = await resend.templates.list({ limit: 10 });
    expect(list.data!.data.map((item) => item.id)).toEqual([copy.data!.id, id]);

    const removed = await resend.templates.remove(copy.data!.id);
    expect(removed.data).toEqual({ object: 'template', id: copy.data!.id, deleted: true });
  });

  it('manages contacts and their segments', async () => {
    const segment = await resend.segments.create({ name: 'Client segment' });
    expect(segment.data).toEqual({ object: 'segment', id: expect.any(String), name: 'Client segment' });
    const segmentId = segment.data!.id;
    for (const declaration of [{ key: 'plan', type: 'string' }, { key: 'seats', type: 'number' }] as const) {
      expect((await resend.contactProperties.create(declaration)).error).toBeNull();
    }

    const contact = await resend.contacts.create({
      email: 'client@example.com',
      firstName: 'Client',
      properties: { plan: 'pro', seats: 2 },
    });
    expect(contact.error).toBeNull();
    const contactId = contact.data!.id;

    const updated = await resend.contacts.update({ email: 'client@example.com', lastName: 'Person', unsubscribed: true });
    expect(updated.data).toEqual({ object: 'contact', id: contactId });
    const fetched = await resend.contacts.get({ id: contactId });
    expect(fetched.data).toMatchObject({
      object: 'contact',
      email: 'client@example.com',
      first_name: 'Client',
      last_name: 'Person',
      unsubscribed: true,
      properties: { plan: { type: 'string', value: 'pro' }, seats: { type: 'number', value: 2 } },
    });

    const added = await resend.contacts.segments.add({ contactId, segmentId });
    expect(added.error).toBeNull();
    const memberships = await resend.contacts.segments.list({ email: 'client@example.com' });
    expect(memberships.data!.data.map((item) => item.id)).toEqual([segmentId]);
    const members = await resend.contacts.list({ segmentId });
    expect(members.data!.data.map((item) => item.id)).toEqual([contactId]);
    const left = await resend.contacts.segments.remove({ contactId, segmentId });
    expect(left.error).toBeNull();

    const removed = await resend.contacts.remove({ email: 'client@example.com' });
    expect(removed.data).toEqual({ object: 'contact', contact: contactId, deleted: true });
    const renamed = await resend.segments.update(segmentId, { name: 'Renamed' });
    expect(renamed.data).toEqual({ object: 'segment', id: segmentId });
    expect((await resend.segments.remove(segmentId)).data).toEqual({ object: 'segment', id: segmentId, deleted: true });
  });

  it('manages an automation, its runs and events', async () => {
    const template = await resend.templates.create({ name: 'Flow template', html: '<p>Hi</p>' });
    const steps: AutomationStep[] = [
      { key: 'start', type: 'trigger', config: { eventName: 'client.signed_up' } },
      { key: 'pause', type: 'delay', config: { duration: '1 hour' } },
      { key: 'hello', type: 'send_email', config: { template: { id: template.data!.id }, replyTo: 'help@example.com' } },
    ];
    const connections = [
      { from: 'start', to: 'pause' },
      { from: 'pause', to: 'hello' },
    ];
    const created = await resend.automations.create({ name: 'Client flow', steps, connections });
    expect(created.error).toBeNull();
    const id = created.data!.id;

    const fetched = await resend.automations.get(id);
    expect(fetched.data).toMatchObject({ object: 'automation', name: 'Client flow', status: 'disabled' });
    expect(fetched.data!.steps[2]!.config).toEqual({ template: { id: template.data!.id }, reply_to: 'help@example.com' });

    expect((await resend.automations.update(id, { status: 'enabled' })).data).toEqual({ object: 'automation', id });
    const refused = await resend.automations.update(id, { steps, connections });
    expect(refused.error).toMatchObject({ name: 'validation_error', statusCode: 422 });

    const sent = await resend.events.send({ event: 'client.signed_up', email: 'flow@example.com', payload: { source: 'ad' } });
    expect(sent.data).toEqual({ object: 'event', event: 'client.signed_up' });
    const started = api.engine.started.find((input) => input.automationId === id)!;
    expect(started).toBeDefined();

    await api.repos.runs.saveState(
      makeRunState({ runId: started.runId, automationId: id, contactId: started.contactId, status: 'completed' }),
    );
    const runs = await resend.automations.runs.list({ automationId: id, status: ['completed', 'failed'] });
    expect(runs.data!.data.map((run) => run.id)).toEqual([started.runId]);
    const run = await resend.automations.runs.get({ automationId: id, runId: started.runId });
    expect(run.data).toMatchObject({ object: 'automation_run', id: started.runId, status: 'completed' });

    const listed = await resend.automations.list({ status: 'enabled' });
    expect(listed.data!.data.map((item) => item.id)).toContain(id);
    expect((await resend.automations.stop(id)).data).toEqual({ object: 'automation', id, status: 'disabled' });
    const copy = await resend.automations.duplicate(id);
    expect(copy.data).toEqual({ object: 'automation', id: expect.any(String) });
    expect((await resend.automations.remove(id)).data).toEqual({ object: 'automation', id, deleted: true });
  });

  it('returns errors in the shape the client parses', async () => {
    const missing = await resend.automations.get(uuidv7());
    expect(missing.error).toEqual({ name: 'not_found', statusCode: 404, message: expect.any(String) });
    const malformed = await resend.segments.get('nope');
    expect(malformed.error).toMatchObject({ name: 'invalid_parameter', statusCode: 422 });
    const unauthorized = await new Resend('re_wrong_key_0123456789', { baseUrl: resend.baseUrl }).segments.list();
    expect(unauthorized.error).toMatchObject({ name: 'invalid_api_key', statusCode: 403 });
  });
});
