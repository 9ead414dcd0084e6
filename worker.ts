/**
 * The worker process: hosts the run workflow and its activities on one task queue.
 * Run it with `tsx worker.ts`; `npm start` does that for you.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities, type ActivityDependencies } from './activities/index.js';
import { loadConfig } from './config/config.js';
import { createLogger, type Logger } from './config/logger.js';
import { createReconciler } from './engine/reconciler.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { createUnsubscribeLinks } from './mail/unsubscribe-links.js';
import { connectMongo, createRepositories, ensureAllIndexes, type Repositories } from './repositories/db.js';
import { EmailsRepository } from './repositories/emails.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface AutomationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A pre-built bundle; tests build it once and share it between workers. */
  workflowBundle?: WorkflowBundleOption;
  /** Overrides `WORKER_TUNING.maxCachedWorkflows`. */
  maxCachedWorkflows?: number | undefined;
}

/**
 * Worker options beyond the connection, task queue and code. The benchmark's
 * bare baseline worker (bench/bare/worker.ts) uses the same ones.
 */
export const WORKER_TUNING: Partial<WorkerOptions> = {
  // Runs parked in a delay or a wait stay cached until evicted. In the
  // benchmark, 3,000 parked runs added 62 MB with 100 cached and 3,500 added
  // 183 MB with 500 cached, so a cached run costs roughly 0.3 MB (an
  // estimate from those two runs). An evicted run replays its short history
  // when it wakes up.
  // Raise it with WORKER_MAX_CACHED_WORKFLOWS when many runs are active at
  // once. bench/README.md has the measurements.
  maxCachedWorkflows: 100,
  // Local activities write the run mirror. FerretDB 1.24 on SQLite updates a
  // document by _id with a scan of the whole collection while it holds the
  // database's one write lock. With 100 concurrent writes (the SDK default),
  // writes queued past SQLite's 10 s busy timeout and failed with
  // SQLITE_BUSY. On MongoDB a write takes milliseconds, so 10 at a time
  // still allow thousands per second (an estimate, not measured here).
  maxConcurrentLocalActivityExecutions: 10,
};

export interface ActivityDependencySources {
  repos: Repositories;
  emails: EmailsRepository;
  mailer: Mailer;
  /** Base of the unsubscribe links put in emails. */
  publicUrl: string;
  /** The configured signing secret; when undefined, one is generated and stored in MongoDB. */
  unsubscribeSecret: string | undefined;
  mailFrom: string;
  log: Logger;
}

/** Builds the activities' dependencies from the repositories; the worker, tests and scripts share it. */
export function buildActivityDependencies(sources: ActivityDependencySources): ActivityDependencies {
  const { repos } = sources;
  return {
    contacts: repos.contacts,
    segments: repos.segments,
    contactProperties: repos.contactProperties,
    topics: repos.topics,
    templates: repos.templates,
    unsubscribeLinks: createUnsubscribeLinks({
      publicUrl: sources.publicUrl,
      configuredSecret: sources.unsubscribeSecret,
      settings: repos.settings,
    }),
    runs: repos.runs,
    emails: sources.emails,
    mailer: sources.mailer,
    mailFrom: sources.mailFrom,
    log: sources.log,
  };
}

export function createAutomationWorker(options: AutomationWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...WORKER_TUNING,
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.dependencies),
  });
}

/** Sends the Temporal SDK's warnings and errors to our logger; its INFO lines (bundling, state changes) are noise. */
function installSdkLogger(log: Logger): void {
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const fields = { ...entry.meta };
      if (entry.level === 'ERROR') sdkLog.error(fields, entry.message);
      else sdkLog.warn(fields, entry.message);
    }),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { service: 'worker' });
  installSdkLogger(log);

  const mongo = await connectMongo(config);
  const repos = createRepositories(mongo.db);
  const emails = new EmailsRepository(mongo.db);
  await ensureAllIndexes(repos);
  await emails.ensureIndexes();

  const mailer = createMailer(config.smtpUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await createAutomationWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    maxCachedWorkflows: config.workerMaxCachedWorkflows,
    dependencies: buildActivityDependencies({
      repos,
      emails,
      mailer,
      publicUrl: config.publicUrl,
      unsubscribeSecret: config.unsubscribeSecret,
      mailFrom: config.mailFrom,
      log,
    }),
  });

  const reconciler = createReconciler({
    client: new Client({ connection, namespace: config.temporalNamespace }),
    runs: repos.runs,
    log: log.child({ component: 'reconciler' }),
    intervalMs: config.reconcileIntervalMs,
  });

  const stop = (): void => {
    log.info({}, 'worker shutting down');
    worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  log.info({ taskQueue: config.temporalTaskQueue, temporalAddress: config.temporalAddress }, 'worker started');
  reconciler.start();
  try {
    await worker.run();
  } finally {
    await reconciler.stop();
    mailer.close();
    await connection.close();
    await mongo.client.close();
    log.info({}, 'worker stopped');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    createLogger('error').error({ err }, 'worker failed');
    process.exit(1);
  });
}
