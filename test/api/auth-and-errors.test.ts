import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger.js';
import { createApiFixture } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
const logLines: string[] = [];

beforeAll(async () => {
  api = await createApiFixture({ log: createLogger('debug', {}, (line) => logLines.push(line)) });
});
afterAll(async () => {
  await api.close();
});

function expectErrorShape(body: unknown, name: string, statusCode: number): void {
  expect(body).toEqual({ name, statusCode, message: expect.any(String) });
}

describe('authentication', () => {
  it('rejects a request without Authorization with 401 missing_api_key', async () => {
    const response = await api.app.request('/segments');
    expect(response.status).toBe(401);
    expectErrorShape(await response.json(), 'missing_api_key', 401);
  });

  it('rejects an unknown key with 403 invalid_api_key', async () => {
    const response = await api.request('GET', '/segments', undefined, { Authorization: 'Bearer re_not_a_key_we_issued' });
    expect(response.status).toBe(403);
    expectErrorShape(response.body, 'invalid_api_key', 403);
  });

  it('rejects a header without the Bearer scheme with 401', async () => {
    const response = await api.request('GET', '/segments', undefined, { Authorization: api.apiKey });
    expect(response.status).toBe(401);
    expect(response.body.name).toBe('missing_api_key');
  });

  it('accepts the issued key', async () => {
    const response = await api.request('GET', '/segments');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ object: 'list', has_more: false, data: [] });
  });

  it('stores keys only as hashes', async () => {
    const stored = await api.db.collection('api_keys').find({}).toArray();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(api.apiKey);
    expect(stored[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('routing errors', () => {
  it('answers an unknown route with 404 not_found', async () => {
    const response = await api.request('GET', '/nothing-here');
    expect(response.status).toBe(404);
    expectErrorShape(response.body, 'not_found', 404);
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const response = await api.request('PUT', '/segments');
    expect(response.status).toBe(405);
    expectErrorShape(response.body, 'method_not_allowed', 405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(response.headers.get('allow')).toContain('GET');
  });

  it('answers a wrong method on a path with an id with 405', async () => {
    const response = await api.request('PUT', '/automations/0190a5f6-6b1c-7d2e-8f3a-0123456789ab');
    expect(response.status).toBe(405);
    expect(response.body.name).toBe('method_not_allowed');
  });
});

describe('request body errors', () => {
  it('rejects malformed JSON with 400 validation_error', async () => {
    const response = await api.requestRaw('POST', '/segments', '{"name": ');
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 'validation_error', 400);
  });

  it('rejects a body that is not valid UTF-8 with 400', async () => {
    const before = await api.db.collection('segments').countDocuments();
    const body = new Uint8Array([...Buffer.from('{"name":"'), 0xff, ...Buffer.from('"}')]);
    const response = await api.app.request('/segments', {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.apiKey}`, 'Content-Type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      name: 'validation_error',
      statusCode: 400,
      message: 'The request body is not valid UTF-8; send JSON encoded as UTF-8.',
    });
    expect(await api.db.collection('segments').countDocuments()).toBe(before);
  });

  it('rejects a body over 1 MiB with 413 in the error shape', async () => {
    const response = await api.requestRaw('POST', '/segments', JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }));
    expect(response.status).toBe(413);
    expectErrorShape(response.body, 'validation_error', 413);
  });

  it('rejects a missing body on create with 422', async () => {
    const response = await api.requestRaw('POST', '/segments', undefined);
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
  });

  it('rejects a body that is not an object', async () => {
    const response = await api.request('POST', '/segments', ['name']);
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('must be an object');
  });

  it('names a missing required field', async () => {
    const response = await api.request('POST', '/segments', {});
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ name: 'missing_required_field', statusCode: 422, message: 'Missing required field `name`.' });
  });

  it('names an unknown field', async () => {
    const response = await api.request('POST', '/segments', { name: 'VIP', colour: 'red' });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(response.body.message).toContain('`colour`');
  });

  it('names a field of the wrong type and the expected type', async () => {
    const response = await api.request('POST', '/segments', { name: 42 });
    expect(response.status).toBe(422);
    expect(response.body.message).toBe('`name` must be a string, got a number.');
  });

  it('rejects an operator object in a string field', async () => {
    const response = await api.request('POST', '/segments', { name: { $gt: '' } });
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('validation_error');
    expect(await api.db.collection('segments').countDocuments()).toBe(0);
  });

  it('rejects an operator key inside free-form properties', async () => {
    const response = await api.request('POST', '/contacts', { email: 'op@example.com', properties: { $where: 'x' } });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('$where');
    expect(await api.db.collection('contacts').countDocuments()).toBe(0);
  });

  it('rejects an operator in an event payload', async () => {
    const response = await api.request('POST', '/events/send', {
      event: 'user.created',
      email: 'op@example.com',
      payload: { nested: { amount: { $gt: 0 } } },
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('`payload.nested.amount`');
    expect(await api.db.collection('contacts').countDocuments()).toBe(0);
  });

  it('rejects __proto__ and constructor keys', async () => {
    for (const key of ['__proto__', 'constructor']) {
      const response = await api.requestRaw('POST', '/contacts', `{"email":"p@example.com","properties":{"${key}":{"polluted":true}}}`);
      expect(response.status).toBe(422);
      expect(response.body.message).toContain(key);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects JSON nested deeper than the limit', async () => {
    const deep = '['.repeat(40) + ']'.repeat(40);
    const response = await api.requestRaw('POST', '/segments', `{"name":${deep}}`);
    expect(response.status).toBe(422);
    expect(response.body.message).toContain('nested');
  });
});

describe('path parameters', () => {
  it('rejects a malformed id with 422 invalid_parameter', async () => {
    const response = await api.request('GET', '/segments/not-a-uuid');
    expect(response.status).toBe(422);
    expectErrorShape(response.body, 'invalid_parameter', 422);
    expect(response.body.message).toContain('`id`');
  });

  it('answers an unknown well-formed id with 404 not_found', async () => {
    const response = await api.request('GET', '/segments/0190a5f6-6b1c-7d2e-8f3a-0123456789ab');
    expect(response.status).toBe(404);
    expectErrorShape(response.body, 'not_found', 404);
  });
});

describe('unexpected errors', () => {
  it('answers 500 with a generic message and logs the error', async () => {
    const original = api.repos.segments.list.bind(api.repos.segments);
    api.repos.segments.list = async () => {
      throw new Error('connection pool destroyed at 10.0.0.7:27017');
    };
    try {
      const response = await api.request('GET', '/segments');
      expect(response.status).toBe(500);
      expectErrorShape(response.body, 'internal_server_error', 500);
      expect(JSON.stringify(response.body)).not.toContain('10.0.0.7');
      expect(logLines.some((line) => line.includes('10.0.0.7'))).toBe(true);
    } finally {
      api.repos.segments.list = original;
    }
  });
});
