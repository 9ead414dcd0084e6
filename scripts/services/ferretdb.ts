/**
 * Starts FerretDB, a MongoDB-compatible server, on loopback with its SQLite
 * storage, for `npm start` and the tests.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ensureFerretDb } from '../tools.js';
import { assertPortFree, spawnService, waitUntilReady } from './process.js';

export interface FerretDbOptions {
  /** Directory for the SQLite files, one per database; created if missing. */
  dataDir: string;
  port: number;
  /** Receives each line FerretDB prints. */
  onOutputLine?: (line: string) => void;
  /** See `ServiceProcessOptions.ownProcessGroup`. */
  ownProcessGroup?: boolean;
  readyTimeoutMs?: number;
}

export interface RunningFerretDb {
  uri: string;
  /** Stops the server: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would, and resolves once it has exited. */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Starts FerretDB and resolves once a MongoDB client can ping it. */
export async function startFerretDb(options: FerretDbOptions): Promise<RunningFerretDb> {
  const binary = await ensureFerretDb();
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await assertPortFree(HOST, options.port);

  const service = spawnService({
    name: 'ferretdb',
    command: binary,
    args: [
      '--handler=sqlite',
      // The trailing slash matters: FerretDB keeps one SQLite file per database in this directory.
      `--sqlite-url=file:${dataDir}/`,
      `--listen-addr=${HOST}:${options.port}`,
      // The default, "undecided", still reports to FerretDB's telemetry service.
      '--telemetry=disable',
      '--state-dir=-',
      '--debug-addr=-',
      // At "warn", v1.24.2 dumps a whole wire message for each command it
      // lacks, such as the endSessions that the Node driver sends on close.
      '--log-level=error',
    ],
    onOutputLine: options.onOutputLine,
    ownProcessGroup: options.ownProcessGroup,
  });

  const uri = `mongodb://${HOST}:${options.port}/`;
  try {
    await waitUntilReady({
      service,
      description: `FerretDB at ${HOST}:${options.port}`,
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      probe: () => ping(uri),
    });
  } catch (error) {
    await service.stop();
    throw error;
  }

  return { uri, stop: () => service.stop(), kill: () => service.kill() };
}

async function ping(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
