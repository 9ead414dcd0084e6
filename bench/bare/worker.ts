/**
 * Worker process for the bare baseline workflow, with the engine worker's
 * tuning options, so the run-overhead comparison differs only in the
 * workflow. Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and
 * TEMPORAL_TASK_QUEUE through the product's config module.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../config/logger.js';
import { WORKER_TUNING } from '../../worker.js';
import { bareActivities } from './activities.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { service: 'bare-worker' });
  Runtime.install({ logger: new DefaultLogger('WARN') });

  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    ...WORKER_TUNING,
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: bareActivities,
  });

  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  log.info({ taskQueue: config.temporalTaskQueue }, 'worker started');
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  createLogger('error', { service: 'bare-worker' }).error({ err: error }, 'bare worker failed');
  process.exit(1);
});
