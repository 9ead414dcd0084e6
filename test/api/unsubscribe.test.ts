import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createUnsubscribeLinks, type UnsubscribeLinks } from '../../mail/unsubscribe-links.js';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let links: UnsubscribeLinks;

beforeAll(async () => {
  api = await createApiFixture();
  // Reads the secret the app generated and stored, as a worker process would.
  links = createUnsubscribeLinks({ publicUrl: 'http://localhost:3000', configuredSecret: undefined, settings: api.repos.settings });
});
afterAll(async () => {
  await api.close();
});

async function createContact(email: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await api.request('POST', '/contacts', { email, ...body });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function createTopic(name: string, defaultSubscription: 'opt_in' | 'opt_out'): Promise<string> {
  const response = await api.request('POST', '/topics', { name, default_subscription: defaultSubscription });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

/** Returns the path of the contact's link, such as `/unsubscribe/<token>`. */
async function linkPath(contactId: string, topicId: string | null = null): Promise<string> {
  const url = await links.url({ contactId, topicId });
  expect(url.startsWith('http://localhost:3000/unsubscribe/')).toBe(true);
  return new URL(url).pathname;
}

/** Sends a request without an API key, as a browser or mail client does. */
function anonymous(method: 'GET' | 'POST', path: string, form?: string) {
  return api.app.request(path, {
    method,
    ...(form === undefined ? {} : { body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
  });
}

function tamper(path: string): string {
  const last = path.at(-2) === 'A' ? 'B' : 'A';
  return `${path.slice(0, -2)}${last}${path.slice(-1)}`;
}

describe('GET /unsubscribe/:token', () => {
  it('shows a confirmation form without changing anything', async () => {
    const contactId = await createContact('page@example.com');
    const response = await anonymous('GET', await linkPath(contactId));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('page@example.com');
    expect(page).toContain('<form method="post">');
    expect(page).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(page).toContain('Unsubscribe from all emails');
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
  });

  it('offers topic choices when topics exist', async () => {
    const topicId = await createTopic('Release <notes>', 'opt_in');
    const contactId = await createContact('choices@example.com');
    const page = await (await anonymous('GET', await linkPath(contactId, topicId))).text();

    expect(page).toContain('Stop emails about Release &lt;notes&gt;');
    expect(page).toContain(`name="topic" value="${topicId}" checked`);
    expect(page).toContain('name="action" value="preferences"');
  });

  it('shows an error page for a tampered link', async () => {
    const contactId = await createContact('tampered-page@example.com');
    const response = await anonymous('GET', tamper(await linkPath(contactId)));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('This unsubscribe link is not valid');
  });
});

describe('POST /unsubscribe/:token', () => {
  it('unsubscribes with a one-click request', async () => {
    const contactId = await createContact('oneclick@example.com');
    const response = await anonymous('POST', await linkPath(contactId), 'List-Unsubscribe=One-Click');

    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(true);

    const again = await anonymous('POST', await linkPath(contactId), 'List-Unsubscribe=One-Click');
    expect(again.status).toBe(200);
  });

  it('opts out of the topic of a topic link only', async () => {
    const topicId = await createTopic('Weekly digest', 'opt_in');
    const contactId = await createContact('topic-link@example.com');
    const response = await anonymous('POST', await linkPath(contactId, topicId), 'List-Unsubscribe=One-Click');

    expect(response.status).toBe(200);
    expect(await api.repos.topics.findSubscription(contactId, topicId)).toBe('opt_out');
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
  });

  it('saves topic choices from the page', async () => {
    const kept = await createTopic('Kept', 'opt_out');
    const dropped = await createTopic('Dropped', 'opt_in');
    const contactId = await createContact('prefs@example.com');
    const form = new URLSearchParams([['action', 'preferences'], ['topic', kept]]).toString();

    const response = await anonymous('POST', await linkPath(contactId), form);
    expect(response.status).toBe(200);
    expect(await api.repos.topics.findSubscription(contactId, kept)).toBe('opt_in');
    expect(await api.repos.topics.findSubscription(contactId, dropped)).toBe('opt_out');
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
  });

  it('rejects tampered and forged tokens and changes nothing', async () => {
    const contactId = await createContact('victim@example.com');
    const otherId = await createContact('attacker@example.com');
    const [, , otherToken] = (await linkPath(otherId)).split('/');
    const victimPayload = (await linkPath(contactId)).split('/')[2]!.split('.')[0];
    const forged = `/unsubscribe/${victimPayload}.${otherToken!.split('.')[1]}`;

    for (const path of [tamper(await linkPath(contactId)), forged, '/unsubscribe/garbage', `/unsubscribe/${'x'.repeat(300)}`]) {
      const response = await anonymous('POST', path, 'List-Unsubscribe=One-Click');
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({
        name: 'not_found',
        statusCode: 404,
        message: 'The unsubscribe link is invalid or its contact no longer exists.',
      });
    }
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
    expect((await api.repos.contacts.findById(otherId))!.unsubscribed).toBe(false);
  });

  it('rejects a body without the one-click field', async () => {
    const contactId = await createContact('nobody-field@example.com');
    const response = await anonymous('POST', await linkPath(contactId), 'unsubscribe=yes');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { name: string }).name).toBe('validation_error');
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
  });

  it('rejects a malformed multipart body with 400', async () => {
    const contactId = await createContact('multipart@example.com');
    for (const contentType of ['multipart/form-data; boundary=x', 'multipart/form-data']) {
      const response = await api.app.request(await linkPath(contactId), {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { name: string }).name).toBe('validation_error');
    }
    expect((await api.repos.contacts.findById(contactId))!.unsubscribed).toBe(false);
  });

  it('answers 404 once the contact is deleted', async () => {
    const contactId = await createContact('deleted-later@example.com');
    const path = await linkPath(contactId);
    await api.request('DELETE', `/contacts/${contactId}`);
    expect((await anonymous('POST', path, 'List-Unsubscribe=One-Click')).status).toBe(404);
    expect((await anonymous('GET', path)).status).toBe(404);
  });

  it('still requires an API key elsewhere', async () => {
    const response = await anonymous('GET', '/contacts');
    expect(response.status).toBe(401);
    expect((await anonymous('GET', `/unsubscribe/${uuidv7()}`)).status).toBe(404);
  });
});
