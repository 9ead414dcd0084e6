import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await createApiFixture();
});
afterAll(async () => {
  await api.close();
});

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00$/;

async function createTemplate(body: Record<string, unknown>): Promise<string> {
  const response = await api.request('POST', '/templates', body);
  expect(response.status).toBe(201);
  return response.body.id as string;
}

describe('templates', () => {
  it('creates a draft and returns it in full', async () => {
    const response = await api.request('POST', '/templates', {
      name: 'Welcome',
      alias: 'welcome-mail',
      subject: 'Hi {{{contact.first_name|there}}}',
      html: '<p>Use {{{CODE}}}, {{{RESEND_UNSUBSCRIBE_URL}}}</p>',
      text: 'Use {{{CODE}}}',
      from: 'Team <team@example.com>',
      reply_to: 'help@example.com',
      variables: [{ key: 'CODE', type: 'string', fallback_value: 'WELCOME' }],
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ object: 'template', id: expect.any(String) });

    const fetched = await api.request('GET', `/templates/${response.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      object: 'template',
      id: response.body.id,
      name: 'Welcome',
      alias: 'welcome-mail',
      status: 'draft',
      subject: 'Hi {{{contact.first_name|there}}}',
      from: 'Team <team@example.com>',
      reply_to: ['help@example.com'],
      published_at: null,
      has_unpublished_versions: true,
    });
    expect(fetched.body.variables).toEqual([
      { key: 'CODE', type: 'string', fallback_value: 'WELCOME', created_at: expect.stringMatching(TIMESTAMP), updated_at: expect.stringMatching(TIMESTAMP) },
    ]);
    expect(fetched.body.created_at).toMatch(TIMESTAMP);
    expect(fetched.body.current_version_id).toEqual(expect.any(String));
  });

  it('finds a template by alias', async () => {
    const id = await createTemplate({ name: 'By alias', alias: 'by-alias', html: '<p>x</p>' });
    const response = await api.request('GET', '/templates/by-alias');
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(id);
  });

  it('publishes the draft and keeps later edits unpublished', async () => {
    const id = await createTemplate({ name: 'Publish me', html: '<p>v1</p>', subject: 'One' });

    const published = await api.requestRaw('POST', `/templates/${id}/publish`, undefined);
    expect(published.status).toBe(200);
    expect(published.body).toEqual({ object: 'template', id });
    const afterPublish = await api.request('GET', `/templates/${id}`);
    expect(afterPublish.body.status).toBe('published');
    expect(afterPublish.body.published_at).toMatch(TIMESTAMP);
    expect(afterPublish.body.has_unpublished_versions).toBe(false);

    const edited = await api.request('PATCH', `/templates/${id}`, { html: '<p>v2</p>' });
    expect(edited.status).toBe(200);
    const afterEdit = await api.request('GET', `/templates/${id}`);
    expect(afterEdit.body.html).toBe('<p>v2</p>');
    expect(afterEdit.body.has_unpublished_versions).toBe(true);

    const sendable = await api.repos.templates.getPublished(id);
    expect(sendable).toMatchObject({ status: 'published', html: '<p>v1</p>', subject: 'One' });
  });

  it('tells a missing template from an unpublished one for sending', async () => {
    const id = await createTemplate({ name: 'Never published', html: '<p>x</p>' });
    expect(await api.repos.templates.getPublished(id)).toEqual({ status: 'draft', id, name: 'Never published' });
    expect(await api.repos.templates.getPublished('0190a5f6-6b1c-7d2e-8f3a-0123456789ab')).toEqual({ status: 'missing' });
  });

  it('duplicates a template as a new draft', async () => {
    const id = await createTemplate({ name: 'Original', alias: 'original', html: '<p>x</p>' });
    const response = await api.requestRaw('POST', `/templates/${id}/duplicate`, undefined);
    expect(response.status).toBe(201);
    const copy = await api.request('GET', `/templates/${response.body.id}`);
    expect(copy.body).toMatchObject({ name: 'Original (copy)', alias: null, status: 'draft', html: '<p>x</p>' });
  });

  it('deletes a template', async () => {
    const id = await createTemplate({ name: 'Delete me', html: '<p>x</p>' });
    const response = await api.request('DELETE', `/templates/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'template', id, deleted: true });
    expect((await api.request('GET', `/templates/${id}`)).status).toBe(404);
  });

  it('lists templates newest first', async () => {
    const first = await createTemplate({ name: 'List A', html: '<p>a</p>' });
    const second = await createTemplate({ name: 'List B', html: '<p>b</p>' });
    const response = await api.request('GET', '/templates?limit=2');
    expect(response.status).toBe(200);
    expect(response.body.object).toBe('list');
    expect(response.body.data.map((item: { id: string }) => item.id)).toEqual([second, first]);
    expect(Object.keys(response.body.data[0]).sort()).toEqual(
      ['alias', 'created_at', 'id', 'name', 'published_at', 'status', 'updated_at'],
    );
  });
});

describe('template validation', () => {
  it('rejects an undeclared placeholder and names it', async () => {
    const before = await api.db.collection('templates').countDocuments();
    const response = await api.request('POST', '/templates', { name: 'Bad', html: '<p>{{{DISCOUNT}}}</p>' });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(response.body.message).toContain('{{{DISCOUNT}}}');
    expect(await api.db.collection('templates').countDocuments()).toBe(before);
  });

  it('rejects an edit that introduces an undeclared placeholder', async () => {
    const id = await createTemplate({ name: 'Edit check', html: '<p>{{{A}}}</p>', variables: [{ key: 'A', type: 'string' }] });
    const response = await api.request('PATCH', `/templates/${id}`, { variables: [] });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('{{{A}}}');
    const unchanged = await api.request('GET', `/templates/${id}`);
    expect(unchanged.body.variables).toHaveLength(1);
  });

  it('rejects a taken alias', async () => {
    await createTemplate({ name: 'Alias owner', alias: 'taken', html: '<p>x</p>' });
    const created = await api.request('POST', '/templates', { name: 'Alias thief', alias: 'taken', html: '<p>x</p>' });
    expect(created.status).toBe(422);
    expect(created.body.message).toContain('taken');

    const other = await createTemplate({ name: 'Other', alias: 'other', html: '<p>x</p>' });
    const patched = await api.request('PATCH', `/templates/${other}`, { alias: 'taken' });
    expect(patched.status).toBe(422);
    expect(patched.body.message).toContain('taken');
    expect((await api.request('GET', `/templates/${other}`)).body.alias).toBe('other');
  });

  it('rejects a fallback of the wrong type', async () => {
    const response = await api.request('POST', '/templates', {
      name: 'Typed',
      html: '<p>{{{N}}}</p>',
      variables: [{ key: 'N', type: 'number', fallback_value: 'three' }],
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('variables[0].fallback_value');
  });

  it('rejects a missing html', async () => {
    const response = await api.request('POST', '/templates', { name: 'No body' });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ name: 'missing_required_field', message: 'Missing required field `html`.' });
  });

  it('rejects an empty PATCH', async () => {
    const id = await createTemplate({ name: 'Empty patch', html: '<p>x</p>' });
    const response = await api.request('PATCH', `/templates/${id}`, {});
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('at least one field');
  });

  it('rejects a malformed alias in the path', async () => {
    const response = await api.request('GET', '/templates/not%20an%20alias');
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
  });

  it('rejects a body on publish', async () => {
    const id = await createTemplate({ name: 'Publish body', html: '<p>x</p>' });
    const response = await api.request('POST', `/templates/${id}/publish`, { force: true });
    expect(response.status).toBe(422);
    expect((await api.request('GET', `/templates/${id}`)).body.status).toBe('draft');
  });
});
