/**
 * An API app on a fresh database of the shared FerretDB, with one API key
 * and the RunsEngine stub, called in-process through `app.request()`.
 */
import type { Hono } from 'hono';
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { loadConfig } from '../../config/config.js';
import { silentLogger } from '../../config/logger.js';
import type { Logger } from '../../config/logger.js';
import type { RunState } from '../../domain/run-state.js';
import { createApp } from '../../api/app.js';
import type { AppEnv } from '../../api/context.js';
import { createRepositories, ensureAllIndexes } from '../../repositories/db.js';
import type { Repositories } from '../../repositories/db.js';
import { mongodbUri, uniqueDatabaseName } from '../support/services.js';
import { RunsEngineStub } from './engine-stub.js';

// Response bodies are JSON read field by field in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiFixture {
  app: Hono<AppEnv>;
  db: Db;
  repos: Repositories;
  engine: RunsEngineStub;
  apiKey: string;
  /** Sends a request with the fixture's API key unless `headers` sets Authorization. */
  request<T = Json>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Sends a raw body string, for malformed JSON and size tests. */
  requestRaw<T = Json>(method: string, path: string, rawBody: string | undefined, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export async function createApiFixture(options: { log?: Logger } = {}): Promise<ApiFixture> {
  const client = new MongoClient(mongodbUri());
  await client.connect();
  const db = client.db(uniqueDatabaseName('api'));
  const repos = createRepositories(db);
  await ensureAllIndexes(repos);
  const { key: apiKey } = await repos.apiKeys.create('test');

  const engine = new RunsEngineStub();
  const config = loadConfig({ MONGODB_URI: mongodbUri() });
  const app = createApp({ repos, engine, log: options.log ?? silentLogger, config });

  const requestRaw = async (method: string, path: string, rawBody: string | undefined, headers: Record<string, string> = {}) => {
    const response = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json', ...headers },
      ...(rawBody === undefined ? {} : { body: rawBody }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };

  return {
    app,
    db,
    repos,
    engine,
    apiKey,
    request: (method, path, body, headers) =>
      requestRaw(method, path, body === undefined ? undefined : JSON.stringify(body), headers),
    requestRaw,
    close: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}

/** Builds a run state for the mirror, with one completed trigger step. */
export function makeRunState(overrides: Partial<RunState> & Pick<RunState, 'runId' | 'automationId' | 'contactId'>): RunState {
  const createdAt = Date.parse('2026-10-01T12:00:00.000Z');
  return {
    status: 'running',
    trigger: { eventId: 'event-1', event: 'user.created', payload: { plan: 'pro' } },
    steps: [
      {
        key: 'start',
        type: 'trigger',
        status: 'completed',
        output: null,
        error: null,
        createdAt,
        startedAt: createdAt,
        completedAt: createdAt,
      },
    ],
    createdAt,
    startedAt: createdAt,
    completedAt: null,
    version: 1,
    ...overrides,
  };
}

/** Builds a valid graph: a trigger, then one email with the given template. */
export function welcomeGraph(templateId: string, eventName = 'user.created') {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'welcome', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [{ from: 'start', to: 'welcome', type: 'default' }],
  };
}
