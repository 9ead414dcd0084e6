/**
 * The API process: connects to MongoDB and Temporal, creates the indexes,
 * and serves the Hono app until SIGINT or SIGTERM. Run it with `tsx api/server.ts`.
 */
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import type { Logger } from '../config/logger.js';
import { createRunsEngine } from '../engine/runs-engine.js';
import { connectMongo, createRepositories, ensureAllIndexes } from '../repositories/db.js';
import type { Repositories } from '../repositories/db.js';
import { hashApiKey } from '../repositories/api-keys.js';
import { createApp } from './app.js';

/** Stores `BOOTSTRAP_API_KEY` as the first key when no key exists yet. */
export async function installBootstrapKey(repos: Repositories, bootstrapKey: string | undefined, log: Logger): Promise<void> {
  if (bootstrapKey === undefined) return;
  if ((await repos.apiKeys.count()) > 0) return;
  await repos.apiKeys.insertHashed('bootstrap', hashApiKey(bootstrapKey));
  log.info({}, 'stored BOOTSTRAP_API_KEY as the first API key');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { service: 'api' });

  const mongo = await connectMongo(config);
  const repos = createRepositories(mongo.db);
  await ensureAllIndexes(repos);
  await installBootstrapKey(repos, config.bootstrapApiKey, log);
  if ((await repos.apiKeys.count()) === 0) {
    log.warn({}, 'no API key exists, so every request is rejected; create one with `npm run create-api-key -- --name NAME`');
  }

  const connection = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const engine = createRunsEngine({ client, taskQueue: config.temporalTaskQueue, log });

  const app = createApp({ repos, engine, log, config });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    log.info({ url: `http://${host}:${info.port}` }, 'API listening');
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API shutting down');
    server.close(() => {
      void Promise.allSettled([mongo.client.close(), connection.close()]).then(() => {
        log.info({}, 'API stopped');
      });
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    createLogger('error', { service: 'api' }).error({ err: error }, 'API failed to start');
    process.exit(1);
  });
}
