/**
 * The whole product in one test process: the real API on a loopback port, a
 * real worker on its own task queue, a real local SMTP server, and the
 * Temporal and MongoDB-compatible servers that global setup started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import { loadConfig, type Config } from '../../config/config.js';
import { silentLogger } from '../../config/logger.js';
import { createRunsEngine } from '../../engine/runs-engine.js';
import { createMailer } from '../../mail/mailer.js';
import { startLocalSmtpServer, readMailbox } from '../../mail/local-smtp-server.js';
import { connectMongo, createRepositories, ensureAllIndexes } from '../../repositories/db.js';
import { EmailsRepository } from '../../repositories/emails.js';
import { buildActivityDependencies, createAutomationWorker, WORKFLOWS_PATH } from '../../worker.js';
import { mongodbUri, temporalAddress, uniqueDatabaseName, uniqueTaskQueue } from './services.js';

// Workers log each state change at INFO; tests only need warnings and errors.
Runtime.install({ logger: new DefaultLogger('WARN') });

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles the workflows once per test file; every worker in the file shares it. */
export function sharedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, meta?: unknown) => console.error(message, meta),
  log: () => {},
};

export interface Stack {
  baseUrl: string;
  apiKey: string;
  mailDir: string;
  config: Config;
  client: Client;
  repos: ReturnType<typeof createRepositories>;
  emails: EmailsRepository;
  mailbox(): ReturnType<typeof readMailbox>;
  /** Waits until the mailbox contains at least `count` messages, and returns them. */
  waitForMail(count: number, timeoutMs?: number): ReturnType<typeof readMailbox>;
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const mailDir = await mkdtemp(join(tmpdir(), 'automations-mail-'));
  const smtp = await startLocalSmtpServer({ host: '127.0.0.1', port: 0, mailDir });
  const config = loadConfig({
    PORT: '3000',
    MONGODB_URI: mongodbUri(),
    MONGODB_DATABASE: uniqueDatabaseName(),
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(),
    SMTP_URL: smtp.url,
    LOG_LEVEL: 'error',
  });

  const mongo = await connectMongo(config);
  const repos = createRepositories(mongo.db);
  const emails = new EmailsRepository(mongo.db);
  await ensureAllIndexes(repos);
  await emails.ensureIndexes();

  const connection = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const engine = createRunsEngine({ client, taskQueue: config.temporalTaskQueue, log: silentLogger });

  const { key: apiKey } = await repos.apiKeys.create('e2e');
  const app = createApp({ repos, engine, log: silentLogger, config });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const mailer = createMailer(config.smtpUrl);
  const nativeConnection = await NativeConnection.connect({ address: config.temporalAddress });
  const workflowBundle = await sharedWorkflowBundle();
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const startWorker = async (): Promise<void> => {
    worker = await createAutomationWorker({
      connection: nativeConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      workflowBundle,
      dependencies: buildActivityDependencies({
        repos,
        emails,
        mailer,
        publicUrl: config.publicUrl,
        unsubscribeSecret: config.unsubscribeSecret,
        mailFrom: config.mailFrom,
        log: silentLogger,
      }),
    });
    running = worker.run();
  };
  const stopWorker = async (): Promise<void> => {
    worker?.shutdown();
    await running;
    worker = undefined;
  };
  await startWorker();

  const mailbox = () => readMailbox(mailDir);
  return {
    baseUrl,
    apiKey,
    mailDir,
    config,
    client,
    repos,
    emails,
    mailbox,
    async waitForMail(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const messages = await mailbox();
        if (messages.length >= count || Date.now() > deadline) return messages;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stopWorker,
    startWorker,
    async stop() {
      await stopWorker();
      await nativeConnection.close();
      mailer.close();
      await new Promise((resolve) => server.close(resolve));
      await connection.close();
      await mongo.db.dropDatabase();
      await mongo.client.close();
      await smtp.close();
      await rm(mailDir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `done` accepts its value, or fails after the timeout with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
