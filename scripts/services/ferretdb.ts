/**
 * Starts FerretDB, a MongoDB-compatible server, on loopback with its SQLite
 * storage, for `npm start` and the tests.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { ensureFerretDb } from '../tools.js';
import { assertPortFree, type ServiceProcess, spawnService, waitUntilReady } from './process.js';

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
const ID_INDEX_SCRIPT = fileURLToPath(new URL('ferretdb_id_index.py', import.meta.url));

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

  const idIndex = startIdIndexer(dataDir, options);
  const stopAll = async (method: 'stop' | 'kill') => {
    await Promise.all([service[method](), idIndex[method]()]);
  };

  const uri = `mongodb://${HOST}:${options.port}/`;
  try {
    await waitUntilReady({
      service,
      description: `FerretDB at ${HOST}:${options.port}`,
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      probe: () => ping(uri),
    });
  } catch (error) {
    await stopAll('stop');
    throw error;
  }

  return { uri, stop: () => stopAll('stop'), kill: () => stopAll('kill') };
}

/**
 * Starts `ferretdb_id_index.py` next to FerretDB: it gives every collection
 * the SQLite index that FerretDB 1.24's `_id` lookups can use (the script
 * explains why). Without Python's sqlite3 module, or on an SQLite older than
 * 3.38, FerretDB still works, with every `_id` lookup reading the whole
 * collection.
 */
function startIdIndexer(dataDir: string, options: FerretDbOptions): ServiceProcess {
  return spawnService({
    name: 'ferretdb-id-index',
    command: 'python3',
    args: [ID_INDEX_SCRIPT, dataDir, String(process.pid)],
    onOutputLine: (line) => options.onOutputLine?.(`ferretdb-id-index: ${line}`),
    ownProcessGroup: options.ownProcessGroup,
  });
}

async function ping(uri: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
