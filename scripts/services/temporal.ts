/**
 * Starts the Temporal dev server (`temporal server start-dev`) on loopback
 * with SQLite persistence and the search attributes the run workflow sets.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../tools.js';
import { assertPortFree, spawnService, waitUntilReady } from './process.js';

/** Search attributes registered at boot; adding them later races with their first use. */
export const RUN_SEARCH_ATTRIBUTES = {
  AutomationId: 'Keyword',
  ContactId: 'Keyword',
  RunStatus: 'Keyword',
} as const;

export interface TemporalDevServerOptions {
  /** SQLite file that keeps workflow histories; its directory is created if missing. */
  dbFile: string;
  /** gRPC frontend port. */
  port: number;
  /** Web UI port; ignored when `headless`. */
  uiPort?: number;
  headless?: boolean;
  /**
   * SQLite `synchronous` pragma. OFF is fastest and suits throw-away test
   * databases; NORMAL (with WAL) survives a crash of the server process.
   */
  sqliteSynchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /** Receives each line the server prints. */
  onOutputLine?: (line: string) => void;
  /** See `ServiceProcessOptions.ownProcessGroup`. */
  ownProcessGroup?: boolean;
  readyTimeoutMs?: number;
}

export interface RunningTemporalDevServer {
  /** gRPC address, `host:port`. */
  address: string;
  /** Web UI URL, or undefined when headless. */
  uiUrl: string | undefined;
  /** Stops the server: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would, and resolves once it has exited. */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';
const NAMESPACE = 'default';

/** Starts the dev server and resolves once its frontend serves the namespace and search attributes. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningTemporalDevServer> {
  const binary = await ensureTemporalCli();
  const dbFile = path.resolve(options.dbFile);
  await mkdir(path.dirname(dbFile), { recursive: true });

  const headless = options.headless === true;
  if (!headless && options.uiPort === undefined) throw new Error('uiPort is required unless headless is set');
  await assertPortFree(HOST, options.port);
  if (!headless && options.uiPort !== undefined) await assertPortFree(HOST, options.uiPort);

  const service = spawnService({
    name: 'temporal',
    command: binary,
    args: buildArgs(options, dbFile),
    onOutputLine: options.onOutputLine,
    ownProcessGroup: options.ownProcessGroup,
  });

  const address = `${HOST}:${options.port}`;
  try {
    await waitUntilReady({
      service,
      description: `Temporal dev server at ${address}`,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      probe: () => probeFrontend(address),
    });
  } catch (error) {
    await service.stop();
    throw error;
  }

  return {
    address,
    uiUrl: headless ? undefined : `http://${HOST}:${options.uiPort}`,
    stop: () => service.stop(),
    kill: () => service.kill(),
  };
}

function buildArgs(options: TemporalDevServerOptions, dbFile: string): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(options.port),
    '--db-filename',
    dbFile,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    `synchronous=${options.sqliteSynchronous ?? 'NORMAL'}`,
    // The server would otherwise contact Temporal's version-check service.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--log-level',
    'warn',
  ];
  for (const [name, type] of Object.entries(RUN_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  if (options.headless === true) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  return args;
}

/** Succeeds once the frontend responds, the namespace exists and the search attributes are registered. */
async function probeFrontend(address: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    const missing = Object.keys(RUN_SEARCH_ATTRIBUTES).filter((name) => customAttributes?.[name] === undefined);
    if (missing.length > 0) throw new Error(`search attributes not registered yet: ${missing.join(', ')}`);
  } finally {
    await connection.close();
  }
}
