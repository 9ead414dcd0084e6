/**
 * The product as separate operating-system processes, for fault tests that
 * kill them. The worker (`node --import tsx worker.ts`) and the API
 * (`node --import tsx api/server.ts`) run as children of the test process,
 * from a copy of the source, and can be restarted after a SIGKILL. A test that kills Temporal or FerretDB
 * starts a server of its own, so the servers other test files share stay up.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFerretDb, type RunningFerretDb } from '../../scripts/services/ferretdb.js';
import { describeExit, findFreePort, spawnService, type ServiceProcess } from '../../scripts/services/process.js';
import { startTemporalDevServer, type RunningTemporalDevServer } from '../../scripts/services/temporal.js';
import { REPO_ROOT } from '../../scripts/tools.js';

/** Top-level entries of the repository that the worker and the API do not load. */
const NOT_NEEDED_BY_PROCESSES = new Set(['.git', '.tools', '.data', 'node_modules', 'test', 'tmp', 'bench', 'coverage', 'dist']);

let sourceSnapshot: Promise<string> | undefined;

/**
 * Copies the repository's source once per test process and returns the copy,
 * where every worker and API of this process runs. A worker restarted later
 * must run the same workflow code as the one it replaces, or replaying the
 * histories of runs in flight fails with a nondeterminism error; the working
 * tree may change in between when other people edit it during a test run.
 */
function snapshotSources(): Promise<string> {
  sourceSnapshot ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'automations-fault-src-'));
    // A fallback for a test file that never calls removeSourceSnapshot().
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await cp(REPO_ROOT, dir, {
      recursive: true,
      filter: (source) => !NOT_NEEDED_BY_PROCESSES.has(path.relative(REPO_ROOT, source).split(path.sep)[0] ?? ''),
    });
    // Packages resolve from the repository's own node_modules.
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    return dir;
  })();
  return sourceSnapshot;
}

/** Deletes the copy of the source; call it once every process started from it has exited. */
export async function removeSourceSnapshot(): Promise<void> {
  const snapshot = sourceSnapshot;
  sourceSnapshot = undefined;
  if (snapshot) await rm(await snapshot, { recursive: true, force: true });
}

/** One line the logger of a child process printed, parsed from its JSON. */
export interface LogEntry {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

/** What the worker and the API of one test connect to. */
export interface ProductEnvironment {
  mongodbUri: string;
  /** Latin letters only; FerretDB accepts no other database names. */
  mongodbDatabase: string;
  temporalAddress: string;
  temporalTaskQueue: string;
  smtpUrl: string;
  /** Further variables, such as RECONCILE_INTERVAL_SECONDS. */
  extra?: Record<string, string>;
}

/** Start-up of a worker bundles the workflow code, which takes a while on a busy 2-core machine. */
const READY_TIMEOUT_MS = 90_000;

/**
 * A product process (worker or API) that a test can kill and start again
 * with the same environment. Every line it prints is kept, across restarts.
 */
export class ProductProcess {
  private service: ServiceProcess | undefined;
  private readonly lines: string[] = [];
  private readonly readyWaiters = new Set<(entry: LogEntry) => void>();

  constructor(
    readonly name: 'worker' | 'api',
    private readonly entryPoint: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly readyMessage: string,
  ) {}

  /** Starts the process and resolves with the log entry that reports it ready. */
  async start(): Promise<LogEntry> {
    if (this.service && !this.service.hasExited()) throw new Error(`the ${this.name} process is already running`);

    let resolveReady!: (entry: LogEntry) => void;
    const ready = new Promise<LogEntry>((resolve) => {
      resolveReady = resolve;
    });
    const onReady = (entry: LogEntry): void => {
      if (entry.msg === this.readyMessage) resolveReady(entry);
    };
    this.readyWaiters.add(onReady);

    const service = spawnService({
      name: this.name,
      command: process.execPath,
      args: ['--import', 'tsx', this.entryPoint],
      cwd: await snapshotSources(),
      env: this.env,
      onOutputLine: (line) => this.record(line),
    });
    this.service = service;

    try {
      const outcome = await Promise.race([
        ready,
        service.exited.then((status) => new Error(`the ${this.name} process exited with ${describeExit(status)} before it was ready`)),
        sleep(READY_TIMEOUT_MS).then(() => new Error(`the ${this.name} process was not ready after ${READY_TIMEOUT_MS / 1000} s`)),
      ]);
      if (outcome instanceof Error) {
        await service.kill();
        throw new Error(`${outcome.message}. Its last output:\n${service.recentOutput()}`);
      }
      return outcome;
    } finally {
      this.readyWaiters.delete(onReady);
    }
  }

  /** Kills the process with SIGKILL, so it gets no chance to finish what it is doing. */
  async kill(): Promise<void> {
    await this.service?.kill();
  }

  /** Stops the process with SIGTERM, and SIGKILL if it has not exited after a few seconds. */
  async stop(): Promise<void> {
    await this.service?.stop(5_000);
  }

  isRunning(): boolean {
    return this.service !== undefined && !this.service.hasExited();
  }

  /** Process id of the running process, for messages. */
  pid(): number | undefined {
    return this.service?.child.pid;
  }

  /** Returns every log entry printed so far, parsed from JSON; other lines are left out. */
  logEntries(): LogEntry[] {
    const entries: LogEntry[] = [];
    for (const line of this.lines) {
      const entry = parseLogLine(line);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Returns every line printed so far, for a failure message. */
  output(): string {
    return this.lines.join('\n');
  }

  private record(line: string): void {
    this.lines.push(line);
    const entry = parseLogLine(line);
    if (!entry) return;
    for (const waiter of this.readyWaiters) waiter(entry);
  }
}

function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return undefined;
  }
}

function productEnv(environment: ProductEnvironment, own: Record<string, string>): NodeJS.ProcessEnv {
  return {
    // PATH and HOME for tsx and the Temporal native library; nothing else of the test's environment.
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MONGODB_URI: environment.mongodbUri,
    MONGODB_DATABASE: environment.mongodbDatabase,
    TEMPORAL_ADDRESS: environment.temporalAddress,
    TEMPORAL_TASK_QUEUE: environment.temporalTaskQueue,
    SMTP_URL: environment.smtpUrl,
    LOG_LEVEL: 'info',
    ...own,
    ...environment.extra,
  };
}

/** Creates (but does not start) a worker process for the environment. */
export function workerProcess(environment: ProductEnvironment): ProductProcess {
  return new ProductProcess('worker', 'worker.ts', productEnv(environment, {}), 'worker started');
}

/** An API process with the URL it listens on and the API key it was started with. */
export interface ApiProcess {
  process: ProductProcess;
  baseUrl: string;
  apiKey: string;
}

/**
 * Creates (but does not start) an API process on a free loopback port, with a
 * random BOOTSTRAP_API_KEY that becomes the first key of a fresh database.
 */
export async function apiProcess(environment: ProductEnvironment): Promise<ApiProcess> {
  const port = await findFreePort();
  const apiKey = `re_fault_${randomBytes(16).toString('hex')}`;
  const env = productEnv(environment, { PORT: String(port), HOST: '127.0.0.1', BOOTSTRAP_API_KEY: apiKey });
  return {
    process: new ProductProcess('api', 'api/server.ts', env, 'API listening'),
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
  };
}

/** A Temporal dev server of one test, persisted to a SQLite file so it can be restarted with its history. */
export interface OwnTemporal {
  address: string;
  /** SIGKILLs the server and starts it again on the same port and database file. */
  restart(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a Temporal dev server that only the calling test uses. */
export async function startOwnTemporal(): Promise<OwnTemporal> {
  const dir = await mkdtemp(path.join(tmpdir(), 'automations-fault-temporal-'));
  const port = await findFreePort();
  let server: RunningTemporalDevServer | undefined;

  const start = async (): Promise<void> => {
    server = await startTemporalDevServer({
      dbFile: path.join(dir, 'temporal.db'),
      port,
      headless: true,
      // NORMAL with WAL keeps every committed transaction when the server process is killed.
      sqliteSynchronous: 'NORMAL',
    });
  };
  const kill = async (): Promise<void> => {
    await server?.kill();
    server = undefined;
  };
  await start();

  return {
    address: `127.0.0.1:${port}`,
    start,
    kill,
    async restart() {
      await kill();
      await start();
    },
    async stop() {
      await server?.stop();
      server = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A FerretDB of one test, on SQLite files in its own directory so it can be restarted with its data. */
export interface OwnFerretDb {
  uri: string;
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a FerretDB that only the calling test uses. */
export async function startOwnFerretDb(): Promise<OwnFerretDb> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'automations-fault-ferretdb-'));
  const port = await findFreePort();
  let server: RunningFerretDb | undefined;

  const start = async (): Promise<void> => {
    server = await startFerretDb({ dataDir, port });
  };
  await start();

  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    start,
    async kill() {
      await server?.kill();
      server = undefined;
    },
    async stop() {
      await server?.stop();
      server = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `done` accepts its value, or throws after the timeout with the last value and `describe()`. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      lastError = new Error(`last value: ${truncate(JSON.stringify(value))}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      const details = options.describe ? `\n${options.describe()}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (${reason})${details}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}

function truncate(text: string | undefined, max = 2_000): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
