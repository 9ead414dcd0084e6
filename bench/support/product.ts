/**
 * The product under test as child processes (API, engine worker) plus the
 * clients the benchmark drives them with: HTTP to the API, a Temporal client
 * and a MongoDB connection to the same database.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { findFreePort } from '../../scripts/services/process.js';
import type { BenchServices } from './services.js';
import { startProductChild, type ProductChild } from './processes.js';

/** Bundling the workflow code at worker start takes a while on a busy 2-core machine. */
const WORKER_READY_TIMEOUT_MS = 180_000;
const API_READY_TIMEOUT_MS = 60_000;

export interface ApiClient {
  baseUrl: string;
  /** Sends a request and returns the parsed JSON body; a status other than `expectStatus` throws. */
  request<T>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T>;
}

export function createApiClient(baseUrl: string, apiKey: string): ApiClient {
  return {
    baseUrl,
    async request<T>(method: string, requestPath: string, body?: unknown, expectStatus?: number): Promise<T> {
      const response = await fetch(`${baseUrl}${requestPath}`, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      const ok = expectStatus === undefined ? response.ok : response.status === expectStatus;
      if (!ok) throw new Error(`${method} ${requestPath} returned ${response.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    },
  };
}

/** Environment of the product processes, as the config module reads it. */
export function productEnv(services: BenchServices, database: string, taskQueue: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MONGODB_URI: services.mongodbUri,
    MONGODB_DATABASE: database,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: services.smtpUrl,
    // The default level, so each event and each email costs the log line it costs in production.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export async function startApi(services: BenchServices, database: string, taskQueue: string): Promise<{ child: ProductChild; api: ApiClient }> {
  const port = await findFreePort();
  const apiKey = `bench_${randomBytes(16).toString('hex')}`;
  const child = await startProductChild({
    name: `api-${database}`,
    script: 'api/server.ts',
    env: productEnv(services, database, taskQueue, { PORT: String(port), BOOTSTRAP_API_KEY: apiKey }),
    readyMessage: 'API listening',
    readyTimeoutMs: API_READY_TIMEOUT_MS,
    logFile: path.join(services.workDir, `api-${database}.log`),
  });
  return { child, api: createApiClient(`http://127.0.0.1:${port}`, apiKey) };
}

export function startEngineWorker(services: BenchServices, database: string, taskQueue: string): Promise<ProductChild> {
  return startProductChild({
    name: 'engine-worker',
    script: 'worker.ts',
    env: productEnv(services, database, taskQueue),
    readyMessage: 'worker started',
    readyTimeoutMs: WORKER_READY_TIMEOUT_MS,
    logFile: path.join(services.workDir, 'engine-worker.log'),
  });
}

export function startBareWorker(services: BenchServices, taskQueue: string): Promise<ProductChild> {
  return startProductChild({
    name: 'bare-worker',
    script: 'bench/bare/worker.ts',
    env: productEnv(services, 'bench', taskQueue),
    readyMessage: 'worker started',
    readyTimeoutMs: WORKER_READY_TIMEOUT_MS,
    logFile: path.join(services.workDir, 'bare-worker.log'),
  });
}

export interface DriverClients {
  temporal: Client;
  mongo: MongoClient;
  db(name: string): Db;
  close(): Promise<void>;
}

/** Connects the benchmark's own Temporal and MongoDB clients. */
export async function connectDriverClients(services: BenchServices): Promise<DriverClients> {
  const connection = await Connection.connect({ address: services.temporalAddress });
  const temporal = new Client({ connection });
  const mongo = new MongoClient(services.mongodbUri, { appName: 'automations-bench' });
  await mongo.connect();
  return {
    temporal,
    mongo,
    db: (name) => mongo.db(name),
    async close() {
      await mongo.close();
      await connection.close();
    },
  };
}
