import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import { createApiFixture, makeRunState, welcomeGraph } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await createApiFixture();
});
afterAll(async () => {
  await api.close();
});

interface ListBody {
  object: string;
  has_more: boolean;
  data: Array<{ id: string }>;
}

async function listIds(path: string): Promise<{ ids: string[]; hasMore: boolean }> {
  const response = await api.request<ListBody>('GET', path);
  expect(response.status, path).toBe(200);
  expect(response.body.object).toBe('list');
  return { ids: response.body.data.map((item) => item.id), hasMore: response.body.has_more };
}

/** Walks every page forward with `after`, then back with `before`. */
async function walk(basePath: string, limit: number): Promise<{ forward: string[]; backward: string[] }> {
  const separator = basePath.includes('?') ? '&' : '?';
  const forward: string[] = [];
  let page = await listIds(`${basePath}${separator}limit=${limit}`);
  forward.push(...page.ids);
  while (page.hasMore) {
    page = await listIds(`${basePath}${separator}limit=${limit}&after=${forward[forward.length - 1]}`);
    forward.push(...page.ids);
  }

  const backward: string[] = [];
  let cursor = forward[forward.length - 1]!;
  backward.unshift(cursor);
  for (;;) {
    page = await listIds(`${basePath}${separator}limit=${limit}&before=${cursor}`);
    backward.unshift(...page.ids);
    if (!page.hasMore) break;
    cursor = page.ids[0]!;
  }
  return { forward, backward };
}

describe('paging', () => {
  it('pages segments created in the same millisecond without gaps or repeats', async () => {
    const created: string[] = [];
    const now = Date.now();
    for (let index = 0; index < 23; index += 1) {
      // Ids from one millisecond, in creation order, as uuidv7() makes them under load.
      const id = uuidv7(now);
      created.push(id);
      await api.db.collection('segments').insertOne({ _id: id as never, name: `S${index}`, created_at: new Date(now), updated_at: new Date(now) });
    }
    const newestFirst = [...created].reverse();

    const { forward, backward } = await walk('/segments', 5);
    expect(forward).toEqual(newestFirst);
    expect(backward).toEqual(newestFirst);
  });

  it('pages contacts with the default limit of 20', async () => {
    for (let index = 0; index < 21; index += 1) {
      await api.repos.contacts.create({ email: `page${index}@example.com` });
    }
    const first = await listIds('/contacts');
    expect(first.ids).toHaveLength(20);
    expect(first.hasMore).toBe(true);
    const second = await listIds(`/contacts?after=${first.ids[19]}`);
    expect(second.ids).toHaveLength(1);
    expect(second.hasMore).toBe(false);
  });

  it('pages runs with a status filter', async () => {
    const template = await api.request('POST', '/templates', { name: 'T', html: '<p>x</p>' });
    const automation = await api.request('POST', '/automations', { name: 'Paged', ...welcomeGraph(template.body.id) });
    const automationId = automation.body.id as string;
    const contactId = (await api.repos.contacts.create({ email: 'runs@example.com' }))!._id;

    const failed: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const status = index % 3 === 0 ? 'completed' : 'failed';
      const runId = uuidv7();
      if (status === 'failed') failed.push(runId);
      await api.repos.runs.saveState(makeRunState({ runId, automationId, contactId, status }));
    }

    const { forward, backward } = await walk(`/automations/${automationId}/runs?status=failed`, 3);
    expect(forward).toEqual([...failed].reverse());
    expect(backward).toEqual([...failed].reverse());
  });

  it('pages the contacts of a segment', async () => {
    const segment = (await api.request('POST', '/segments', { name: 'Paged members' })).body.id as string;
    const members: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const contact = await api.repos.contacts.create({ email: `member${index}@example.com` });
      await api.repos.segments.addContact(segment, contact!._id);
      members.push(contact!._id);
    }
    const { forward } = await walk(`/segments/${segment}/contacts`, 3);
    expect(forward).toEqual([...members].reverse());
  });

  it('rejects bad paging parameters with 422', async () => {
    const id = uuidv7();
    const cases = [
      '/segments?limit=0',
      '/segments?limit=101',
      '/segments?limit=abc',
      '/segments?limit=2.5',
      '/segments?after=not-a-cursor',
      '/segments?before=123',
      `/segments?after=${id}&before=${id}`,
      '/segments?page=2',
    ];
    for (const path of cases) {
      const response = await api.request('GET', path);
      expect(response.status, path).toBe(422);
      expect(response.body.name, path).toBe('invalid_parameter');
    }
  });

  it('names the limit rule in the message', async () => {
    const response = await api.request('GET', '/contacts?limit=500');
    expect(response.body.message).toBe('Query parameter `limit` must be an integer from 1 to 100.');
  });
});
