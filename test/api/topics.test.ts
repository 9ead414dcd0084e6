import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerType } from '@hono/node-server';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createApiFixture, welcomeGraph } from './fixture.js';
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

async function createTopic(name: string, defaultSubscription: 'opt_in' | 'opt_out'): Promise<string> {
  const response = await api.request('POST', '/topics', { name, default_subscription: defaultSubscription });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function createContact(body: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', '/contacts', body);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('topics', () => {
  it('creates, reads, updates and deletes a topic', async () => {
    const created = await api.request('POST', '/topics', {
      name: 'Product updates',
      description: 'New features, once a month',
      default_subscription: 'opt_in',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ object: 'topic', id: expect.any(String) });
    const id = created.body.id as string;

    const fetched = await api.request('GET', `/topics/${id}`);
    expect(fetched.body).toEqual({
      object: 'topic',
      id,
      name: 'Product updates',
      description: 'New features, once a month',
      default_subscription: 'opt_in',
      created_at: expect.any(String),
    });

    const patched = await api.request('PATCH', `/topics/${id}`, { id, name: 'Releases', description: null });
    expect(patched.body).toEqual({ object: 'topic', id });
    const after = await api.request('GET', `/topics/${id}`);
    expect(after.body.name).toBe('Releases');
    expect(after.body.description).toBeNull();

    const listed = await api.request('GET', '/topics?limit=100');
    expect(listed.body.object).toBe('list');
    expect(listed.body.data.map((topic: { id: string }) => topic.id)).toContain(id);

    const deleted = await api.request('DELETE', `/topics/${id}`);
    expect(deleted.body).toEqual({ object: 'topic', id, deleted: true });
    expect((await api.request('GET', `/topics/${id}`)).status).toBe(404);
  });

  it('rejects invalid topic requests', async () => {
    const noDefault = await api.request('POST', '/topics', { name: 'No default' });
    expect(noDefault.status).toBe(422);
    expect(noDefault.body.message).toContain('`default_subscription`');

    const badDefault = await api.request('POST', '/topics', { name: 'Bad', default_subscription: 'maybe' });
    expect(badDefault.status).toBe(422);
    expect(badDefault.body.message).toContain('`default_subscription` must be one of "opt_in", "opt_out"');

    const id = await createTopic('Fixed default', 'opt_out');
    const changeDefault = await api.request('PATCH', `/topics/${id}`, { default_subscription: 'opt_in' });
    expect(changeDefault.status).toBe(422);
    expect(changeDefault.body.message).toContain('`default_subscription` cannot change');

    const otherId = await api.request('PATCH', `/topics/${id}`, { id: uuidv7(), name: 'x' });
    expect(otherId.status).toBe(422);
    expect(otherId.body.message).toContain('`id` in the body');

    const empty = await api.request('PATCH', `/topics/${id}`, {});
    expect(empty.status).toBe(422);
    expect((await api.request('GET', `/topics/${id}`)).body.default_subscription).toBe('opt_out');

    expect((await api.request('DELETE', `/topics/${uuidv7()}`)).status).toBe(404);
    expect((await api.request('GET', '/topics/news')).status).toBe(422);
  });

  it('works through the official client', async () => {
    const created = await resend.topics.create({ name: 'Client topic', defaultSubscription: 'opt_out' });
    expect(created.error).toBeNull();
    const id = created.data!.id;

    const updated = await resend.topics.update({ id, description: 'From the client' });
    expect(updated.error).toBeNull();
    const fetched = await resend.topics.get(id);
    expect(fetched.data).toMatchObject({ id, name: 'Client topic', description: 'From the client', default_subscription: 'opt_out' });

    const listed = await resend.topics.list();
    expect(listed.data!.data.map((topic) => topic.id)).toContain(id);

    const removed = await resend.topics.remove(id);
    expect(removed.data).toEqual({ object: 'topic', id, deleted: true });
  });
});

describe('contact topics', () => {
  it('lists defaults and stores choices', async () => {
    const newsletter = await createTopic('Newsletter', 'opt_in');
    const offers = await createTopic('Offers', 'opt_out');
    const contactId = await createContact({ email: 'topics@example.com', topics: [{ id: offers, subscription: 'opt_in' }] });

    const initial = await api.request('GET', `/contacts/${contactId}/topics?limit=100`);
    expect(initial.status).toBe(200);
    const byId = (body: { data: Array<{ id: string; subscription: string }> }) =>
      Object.fromEntries(body.data.map((topic) => [topic.id, topic]));
    expect(byId(initial.body)[newsletter]).toEqual({ id: newsletter, name: 'Newsletter', description: null, subscription: 'opt_in' });
    expect(byId(initial.body)[offers]!.subscription).toBe('opt_in');

    const patched = await api.request('PATCH', '/contacts/topics@example.com/topics', [
      { id: newsletter, subscription: 'opt_out' },
      { id: offers, subscription: 'opt_out' },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ object: 'contact', id: contactId });

    const after = await api.request('GET', '/contacts/topics@example.com/topics?limit=100');
    expect(byId(after.body)[newsletter]!.subscription).toBe('opt_out');
    expect(byId(after.body)[offers]!.subscription).toBe('opt_out');
    expect(await api.repos.topics.findSubscription(contactId, newsletter)).toBe('opt_out');
  });

  it('rejects unknown topics and changes nothing', async () => {
    const known = await createTopic('Known', 'opt_in');
    const contactId = await createContact({ email: 'unknown-topic@example.com' });
    const unknown = uuidv7();

    const patched = await api.request('PATCH', `/contacts/${contactId}/topics`, [
      { id: known, subscription: 'opt_out' },
      { id: unknown, subscription: 'opt_out' },
    ]);
    expect(patched.status).toBe(422);
    expect(patched.body.message).toContain(unknown);
    expect(await api.repos.topics.findSubscription(contactId, known)).toBe('opt_in');

    const created = await api.request('POST', '/contacts', { email: 'never@example.com', topics: [{ id: unknown, subscription: 'opt_in' }] });
    expect(created.status).toBe(422);
    expect(created.body.message).toContain('`topics` names topic');
    expect(await api.repos.contacts.findByEmail('never@example.com')).toBeNull();

    const repeated = await api.request('PATCH', `/contacts/${contactId}/topics`, [
      { id: known, subscription: 'opt_out' },
      { id: known, subscription: 'opt_in' },
    ]);
    expect(repeated.status).toBe(422);
    expect(repeated.body.message).toContain('repeats topic');

    const notArray = await api.request('PATCH', `/contacts/${contactId}/topics`, { id: known, subscription: 'opt_in' });
    expect(notArray.status).toBe(422);
  });

  it('works through the official client', async () => {
    const topicId = await createTopic('Client choices', 'opt_in');
    await createContact({ email: 'client-topics@example.com' });

    const updated = await resend.contacts.topics.update({
      email: 'client-topics@example.com',
      topics: [{ id: topicId, subscription: 'opt_out' }],
    });
    expect(updated.error).toBeNull();

    const listed = await resend.contacts.topics.list({ email: 'client-topics@example.com', limit: 100 });
    expect(listed.data!.data.find((topic) => topic.id === topicId)?.subscription).toBe('opt_out');
  });

  it('drops the choices of a deleted contact or topic', async () => {
    const topicId = await createTopic('Short lived', 'opt_in');
    const contactId = await createContact({ email: 'gone@example.com', topics: [{ id: topicId, subscription: 'opt_out' }] });
    expect(await api.db.collection('topic_subscriptions').countDocuments({ contact_id: contactId })).toBe(1);

    await api.request('DELETE', `/contacts/${contactId}`);
    expect(await api.db.collection('topic_subscriptions').countDocuments({ contact_id: contactId })).toBe(0);

    const otherId = await createContact({ email: 'stays@example.com', topics: [{ id: topicId, subscription: 'opt_out' }] });
    await api.request('DELETE', `/topics/${topicId}`);
    expect(await api.db.collection('topic_subscriptions').countDocuments({ contact_id: otherId })).toBe(0);
  });
});

describe('automations with topics', () => {
  it('accepts an existing topic and rejects an unknown one', async () => {
    const templateId = (await api.request('POST', '/templates', { name: 'News', html: '<p>News</p>' })).body.id as string;
    const topicId = await createTopic('Automation topic', 'opt_in');
    const graph = welcomeGraph(templateId);
    const withTopic = (id: string) => ({
      steps: graph.steps.map((step) => (step.type === 'send_email' ? { ...step, config: { ...step.config, topic_id: id } } : step)),
      connections: graph.connections,
    });

    const accepted = await api.request('POST', '/automations', { name: 'With topic', ...withTopic(topicId) });
    expect(accepted.status).toBe(201);

    const unknown = uuidv7();
    const rejected = await api.request('POST', '/automations', { name: 'Unknown topic', ...withTopic(unknown) });
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toBe(
      `Step "welcome": topic "${unknown}" does not exist; create it with POST /topics or remove \`topic_id\` from the step.`,
    );
  });
});
