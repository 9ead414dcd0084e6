/**
 * API key permissions (`full_access`, `sending_access`), key storage and the
 * optional per-key rate limit.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { RateLimiter } from '../../api/rate-limit.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { silentLogger } from '../../config/logger.js';
import { hashApiKey } from '../../repositories/api-keys.js';
import { mongodbUri, uniqueDatabaseName } from '../support/services.js';
import { createApiFixture, type ApiFixture } from './fixture.js';

const run = promisify(execFile);

let api: ApiFixture;
let sendingKey: string;

beforeAll(async () => {
  api = await createApiFixture();
  sendingKey = (await api.repos.apiKeys.create('sender', 'sending_access')).key;
});
afterAll(async () => {
  await api.close();
});

async function countAll(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of await api.db.listCollections({}, { nameOnly: true }).toArray()) {
    counts[name] = await api.db.collection(name).countDocuments();
  }
  return counts;
}

describe('sending_access keys', () => {
  const asSender = (method: string, path: string, body?: unknown) =>
    api.request(method, path, body, { Authorization: `Bearer ${sendingKey}` });

  it('may send events', async () => {
    const response = await asSender('POST', '/events/send', { event: 'user.created', email: 'sender@example.com' });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ object: 'event', event: 'user.created' });
  });

  it('are rejected on every other endpoint', async () => {
    const requests: Array<[string, string, unknown?]> = [
      ['GET', '/segments'],
      ['POST', '/segments', { name: 'VIP' }],
      ['GET', '/automations'],
      ['GET', '/contacts/sender@example.com'],
      ['POST', '/events', { name: 'user.created' }],
      ['GET', '/emails'],
      ['GET', '/no-such-route'],
    ];
    const before = await countAll();

    for (const [method, path, body] of requests) {
      const response = await asSender(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body).toEqual({
        name: 'restricted_api_key',
        statusCode: 401,
        message: 'This API key can only send events (POST /events/send). Use a key with full_access for this request.',
      });
    }
    expect(await countAll()).toEqual(before);
  });

  it('leave full access keys unrestricted', async () => {
    const response = await api.request('GET', '/segments');
    expect(response.status).toBe(200);
  });
});

describe('key storage', () => {
  it('stores the permission next to the hash only', async () => {
    const stored = await api.db.collection('api_keys').findOne({ name: 'sender' });
    expect(stored).toMatchObject({ key_hash: hashApiKey(sendingKey), permission: 'sending_access' });
    expect(JSON.stringify(stored)).not.toContain(sendingKey);
  });

  it('gives full access to a key stored without a permission', async () => {
    const key = 're_stored_before_permissions_existed';
    await api.db.collection('api_keys').insertOne({
      _id: 'legacy' as never,
      name: 'legacy',
      key_hash: hashApiKey(key),
      created_at: new Date(),
    });
    const response = await api.request('GET', '/segments', undefined, { Authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
  });
});

describe('create-api-key command', () => {
  const database = uniqueDatabaseName('keys');
  const env = { ...process.env, MONGODB_URI: mongodbUri(), MONGODB_DATABASE: database };

  afterAll(async () => {
    await api.db.client.db(database).dropDatabase();
  });

  it('creates a sending_access key', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/create-api-key.ts', '--name', 'ci', '--permission', 'sending_access'], { env });
    const key = /: (re_\S+)/.exec(stdout)?.[1];
    expect(stdout).toContain('(sending_access)');
    expect(key).toBeDefined();

    const stored = await api.db.client.db(database).collection('api_keys').findOne({ name: 'ci' });
    expect(stored?.permission).toBe('sending_access');
    expect(stored?.key_hash).toBe(hashApiKey(key!));
  });

  it('rejects an unknown permission', async () => {
    const failure = await run('npx', ['tsx', 'scripts/create-api-key.ts', '--permission', 'read_only'], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain('--permission must be one of full_access, sending_access');
  });
});

describe('rate limit', () => {
  let clock = Date.parse('2026-10-01T12:00:00.000Z');
  const limitedApp = () =>
    createApp(
      {
        repos: api.repos,
        engine: api.engine,
        log: silentLogger,
        config: { ...loadConfig({ MONGODB_URI: mongodbUri() }), rateLimitPerSecond: 2 },
      },
      { now: () => clock },
    );

  async function send(app: ReturnType<typeof createApp>, path: string, key = api.apiKey, init: RequestInit = {}) {
    const response = await app.request(path, { ...init, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers 429 rate_limit_exceeded with rate limit headers', async () => {
    const app = limitedApp();
    clock += 250;

    const first = await send(app, '/segments');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit-reset')).toBe('1');

    const second = await send(app, '/segments/not-a-uuid');
    expect(second.status).toBe(422);
    expect(second.headers.get('ratelimit-remaining')).toBe('0');

    const before = await countAll();
    const third = await send(app, '/segments', api.apiKey, { method: 'POST', body: JSON.stringify({ name: 'Over the limit' }) });
    expect(third.status).toBe(429);
    expect(third.body).toEqual({
      name: 'rate_limit_exceeded',
      statusCode: 429,
      message: 'Too many requests: this API key may make 2 requests per second. Retry after the number of seconds in the retry-after header.',
    });
    expect(third.headers.get('ratelimit-limit')).toBe('2');
    expect(third.headers.get('ratelimit-remaining')).toBe('0');
    expect(third.headers.get('ratelimit-reset')).toBe('1');
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await countAll()).toEqual(before);
  });

  it('counts each key on its own', async () => {
    const app = limitedApp();
    clock += 1000;
    await send(app, '/segments');
    await send(app, '/segments');
    expect((await send(app, '/segments')).status).toBe(429);

    const other = await api.repos.apiKeys.create('other');
    const response = await send(app, '/segments', other.key);
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-remaining')).toBe('1');
  });

  it('allows requests again in the next second', async () => {
    const app = limitedApp();
    clock += 1000;
    await send(app, '/segments');
    await send(app, '/segments');
    expect((await send(app, '/segments')).status).toBe(429);

    clock += 1000;
    const response = await send(app, '/segments');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-remaining')).toBe('1');
  });

  it('is off without RATE_LIMIT_PER_SECOND', async () => {
    const response = await api.request('GET', '/segments');
    expect(response.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('RateLimiter', () => {
  it('reports the time left in the window', () => {
    let now = 10_400;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.take('key')).toEqual({ allowed: true, limit: 1, remaining: 0, resetMs: 600 });
    now = 10_999;
    expect(limiter.take('key')).toEqual({ allowed: false, limit: 1, remaining: 0, resetMs: 1 });
  });
});

describe('RATE_LIMIT_PER_SECOND', () => {
  it('is off when unset or empty', () => {
    expect(loadConfig({}).rateLimitPerSecond).toBeUndefined();
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '' }).rateLimitPerSecond).toBeUndefined();
  });

  it('reads a positive whole number', () => {
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '10' }).rateLimitPerSecond).toBe(10);
  });

  it('rejects other values naming the variable', () => {
    for (const value of ['0', '-1', '2.5', 'ten', '1e3', '1000001']) {
      expect(() => loadConfig({ RATE_LIMIT_PER_SECOND: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ RATE_LIMIT_PER_SECOND: value }), value).toThrow(/RATE_LIMIT_PER_SECOND/);
    }
  });
});
