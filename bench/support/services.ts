/**
 * The servers one benchmark run uses, all on loopback ports picked free:
 * a Temporal dev server on a fresh SQLite file (WAL, synchronous=OFF), FerretDB
 * on a fresh directory unless MONGODB_URI names a MongoDB server, and the
 * local SMTP server (scripts/smtp-server.ts) writing into a fresh folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFerretDb } from '../../scripts/services/ferretdb.js';
import { findFreePort } from '../../scripts/services/process.js';
import { startTemporalDevServer } from '../../scripts/services/temporal.js';
import { startProductChild, type ProductChild } from './processes.js';

export interface BenchServices {
  /** Directory for this run's data and logs; removed by `stop()` unless kept. */
  workDir: string;
  temporalAddress: string;
  mongodbUri: string;
  /** Whether MongoDB is FerretDB started here, or a server named by MONGODB_URI. */
  mongodbKind: 'ferretdb-sqlite' | 'external';
  smtpUrl: string;
  mailDir: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startBenchServices(options: { externalMongodbUri: string | undefined; keepWorkDir: boolean }): Promise<BenchServices> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'automations-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  };

  try {
    const temporalPort = await findFreePort(HOST);
    const temporal = await startTemporalDevServer({
      dbFile: path.join(workDir, 'temporal', 'temporal.db'),
      port: temporalPort,
      headless: true,
      sqliteSynchronous: 'OFF',
    });
    stops.push(temporal.stop);

    let mongodbUri = options.externalMongodbUri;
    if (mongodbUri === undefined) {
      const ferretDb = await startFerretDb({ dataDir: path.join(workDir, 'ferretdb'), port: await findFreePort(HOST) });
      stops.push(ferretDb.stop);
      mongodbUri = ferretDb.uri;
    }

    const mailDir = path.join(workDir, 'mail');
    const smtpPort = await findFreePort(HOST);
    const smtp: ProductChild = await startProductChild({
      name: 'smtp',
      script: 'scripts/smtp-server.ts',
      args: ['--port', String(smtpPort), '--mail-dir', mailDir],
      env: process.env,
      readyMessage: 'Local SMTP server started; press Ctrl-C to stop',
      readyTimeoutMs: 30_000,
      logFile: path.join(workDir, 'smtp.log'),
    });
    stops.push(smtp.stop);

    return {
      workDir,
      temporalAddress: temporal.address,
      mongodbUri,
      mongodbKind: options.externalMongodbUri === undefined ? 'ferretdb-sqlite' : 'external',
      smtpUrl: `smtp://${HOST}:${smtpPort}`,
      mailDir,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
