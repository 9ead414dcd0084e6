/**
 * `npm start`: starts everything a user needs on loopback. Each of
 * MONGODB_URI, TEMPORAL_ADDRESS and SMTP_URL that is unset gets a local
 * service (FerretDB, the Temporal dev server with its Web UI, the local SMTP
 * server), with data under `.data/` so it survives restarts. Then the worker
 * and the API run as children with those addresses. Ctrl-C, or any child
 * exiting, stops everything this command started.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, LOCAL_DEFAULTS, loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../config/logger.js';
import { startLocalSmtpServer } from '../mail/local-smtp-server.js';
import { startFerretDb } from './services/ferretdb.js';
import { assertPortFree, describeExit, PortInUseError, spawnService, type ServiceProcess } from './services/process.js';
import { startTemporalDevServer } from './services/temporal.js';
import { ensureFerretDb, ensureTemporalCli, REPO_ROOT } from './tools.js';

const HOST = '127.0.0.1';
const DATA_DIR = path.join(REPO_ROOT, '.data');
const LOG_DIR = path.join(DATA_DIR, 'logs');
const MAIL_DIR = path.join(DATA_DIR, 'mail');

const MONGODB_PORT = Number(new URL(LOCAL_DEFAULTS.mongodbUri).port);
const TEMPORAL_PORT = Number(LOCAL_DEFAULTS.temporalAddress.split(':')[1]);
/** The temporal CLI's own default: the gRPC port plus 1000. */
const TEMPORAL_UI_PORT = TEMPORAL_PORT + 1000;
const SMTP_PORT = Number(new URL(LOCAL_DEFAULTS.smtpUrl).port);

const API_READY_TIMEOUT_MS = 60_000;
const CHILD_STOP_GRACE_MS = 15_000;

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

/** Processes and services that `npm start` started; the shutdown stops the processes first, then the services. */
const children: ServiceProcess[] = [];
const services: Stoppable[] = [];
const logStreams: WriteStream[] = [];
let shuttingDown = false;

const log: Logger = createLogger('info', { service: 'start' });

/** Local services to start, one for each variable that is unset. */
interface LocalServicePlan {
  mongodb: boolean;
  temporal: boolean;
  smtp: boolean;
}

function planLocalServices(env: NodeJS.ProcessEnv): LocalServicePlan {
  const unset = (name: string): boolean => env[name] === undefined || env[name] === '';
  return { mongodb: unset('MONGODB_URI'), temporal: unset('TEMPORAL_ADDRESS'), smtp: unset('SMTP_URL') };
}

interface PortClaim {
  port: number;
  user: string;
  /** Advice for the user other than freeing the port. */
  alternative: string;
}

/** Fails before anything starts if a port this command needs is taken, naming the variable to set instead. */
async function checkPorts(plan: LocalServicePlan, config: Config): Promise<void> {
  const claims: PortClaim[] = [{ port: config.port, user: 'the API', alternative: 'set PORT to a free port' }];
  if (plan.mongodb) {
    const alternative = 'set MONGODB_URI to use a running MongoDB server';
    claims.push({ port: MONGODB_PORT, user: 'the local MongoDB-compatible server (FerretDB)', alternative });
  }
  if (plan.temporal) {
    const alternative = 'set TEMPORAL_ADDRESS to use a running Temporal server';
    claims.push({ port: TEMPORAL_PORT, user: 'the Temporal dev server', alternative });
    claims.push({ port: TEMPORAL_UI_PORT, user: 'the Temporal Web UI', alternative });
  }
  if (plan.smtp) {
    claims.push({ port: SMTP_PORT, user: 'the local SMTP server', alternative: 'set SMTP_URL to use another SMTP server' });
  }

  for (const claim of claims) {
    try {
      await assertPortFree(HOST, claim.port);
    } catch (error) {
      if (!(error instanceof PortInUseError)) throw error;
      throw new StartError(
        `Port ${claim.port} on ${HOST} is already in use, so ${claim.user} cannot start. ` +
          `Stop the program that uses it, or ${claim.alternative}.`,
      );
    }
  }
}

/** A start-up failure whose message is complete for the user; printed without a stack trace. */
class StartError extends Error {
  override name = 'StartError';
}

/** Opens an append-only log file for a service's output under `.data/logs/`. */
function openServiceLog(name: string): { file: string; writeLine: (line: string) => void } {
  const file = path.join(LOG_DIR, `${name}.log`);
  const stream = createWriteStream(file, { flags: 'a' });
  logStreams.push(stream);
  return { file, writeLine: (line) => stream.write(`${line}\n`) };
}

interface ResolvedServices {
  mongodbUri: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  smtpUrl: string;
  mailDir: string | undefined;
}

/**
 * Starts the local services in the plan. If one fails, this throws once the
 * others have settled, so the shutdown finds every started service.
 */
async function startLocalServices(plan: LocalServicePlan, config: Config): Promise<ResolvedServices> {
  // Installs run one after the other so that their progress lines do not interleave.
  if (plan.temporal) await ensureTemporalCli();
  if (plan.mongodb) await ensureFerretDb();
  await mkdir(LOG_DIR, { recursive: true });

  // allSettled, not all: when one start fails, the others must have finished
  // (and registered themselves in `services`) before the shutdown stops them.
  const [mongodb, temporal, smtp] = await Promise.allSettled([
    plan.mongodb ? startMongoDb() : undefined,
    plan.temporal ? startTemporal() : undefined,
    plan.smtp ? startSmtp(config) : undefined,
  ]);

  return {
    mongodbUri: valueOf(mongodb) ?? config.mongodbUri,
    temporalAddress: valueOf(temporal)?.address ?? config.temporalAddress,
    temporalUiUrl: valueOf(temporal)?.uiUrl,
    smtpUrl: valueOf(smtp) ?? config.smtpUrl,
    mailDir: plan.smtp ? MAIL_DIR : undefined,
  };
}

function valueOf<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

async function startMongoDb(): Promise<string> {
  const output = openServiceLog('ferretdb');
  const server = await startFerretDb({
    dataDir: path.join(DATA_DIR, 'ferretdb'),
    port: MONGODB_PORT,
    onOutputLine: output.writeLine,
    ownProcessGroup: true,
  });
  services.push({ name: 'ferretdb', stop: server.stop });
  log.info({ uri: server.uri, logFile: output.file }, 'FerretDB started');
  return server.uri;
}

async function startTemporal(): Promise<{ address: string; uiUrl: string | undefined }> {
  const output = openServiceLog('temporal');
  const server = await startTemporalDevServer({
    dbFile: path.join(DATA_DIR, 'temporal', 'temporal.db'),
    port: TEMPORAL_PORT,
    uiPort: TEMPORAL_UI_PORT,
    // WAL with synchronous=NORMAL keeps every committed run across a crash
    // of the server process, at a fraction of the cost of FULL.
    sqliteSynchronous: 'NORMAL',
    onOutputLine: output.writeLine,
    ownProcessGroup: true,
  });
  services.push({ name: 'temporal', stop: server.stop });
  log.info({ address: server.address, uiUrl: server.uiUrl, logFile: output.file }, 'Temporal dev server started');
  return server;
}

async function startSmtp(config: Config): Promise<string> {
  const server = await startLocalSmtpServer({
    host: HOST,
    port: SMTP_PORT,
    mailDir: MAIL_DIR,
    log: createLogger(config.logLevel, { service: 'smtp' }),
  });
  services.push({ name: 'smtp', stop: server.close });
  log.info({ url: server.url, mailDir: server.mailDir }, 'Local SMTP server started');
  return server.url;
}

/** Starts `tsx <script>` as a child with the resolved environment and the terminal as its output. */
function spawnTsx(name: string, script: string, args: string[], env: NodeJS.ProcessEnv): ServiceProcess {
  // `node --import tsx` rather than the tsx CLI: the CLI kills its child with
  // SIGKILL when the child does not confirm a relayed signal within 30 ms,
  // which cuts short a worker that is busy bundling workflows.
  const child = spawnService({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', script, ...args],
    env,
    cwd: REPO_ROOT,
    inheritOutput: true,
    ownProcessGroup: true,
  });
  children.push(child);
  return child;
}

/** Runs the command that creates and prints the first API key, unless a key exists. */
async function createFirstApiKey(env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawnTsx('create-api-key', 'scripts/create-api-key.ts', ['--if-none'], env);
  const status = await child.exited;
  children.splice(children.indexOf(child), 1);
  if (status.code !== 0) throw new StartError(`scripts/create-api-key.ts failed with ${describeExit(status)}`);
}

/** Starts a long-running child and shuts everything down if it exits on its own. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawnTsx(name, script, [], env);
  void child.exited.then((status) => {
    if (shuttingDown) return;
    log.error({ child: name, exit: describeExit(status) }, 'A process exited unexpectedly; stopping everything');
    void shutdown(1);
  });
  return child;
}

/** Waits until something accepts TCP connections on the API port, or the API process exits. */
async function waitForApi(api: ServiceProcess, port: number): Promise<void> {
  const deadline = Date.now() + API_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (api.hasExited()) throw new StartError('The API exited before it accepted connections; see its output above');
    if (await canConnect(HOST, port)) return;
    await sleep(250);
  }
  throw new StartError(`The API did not accept connections on port ${port} within ${API_READY_TIMEOUT_MS / 1000} s`);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Hides the password of a URL before it is printed. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function printSummary(config: Config, resolved: ResolvedServices): void {
  const apiUrl = `http://localhost:${config.port}`;
  const lines = [
    '',
    'The Automations engine is running.',
    `  API:              ${apiUrl}`,
    `  Temporal Web UI:  ${resolved.temporalUiUrl ?? `not started here; TEMPORAL_ADDRESS=${resolved.temporalAddress}`}`,
    `  Temporal:         ${resolved.temporalAddress} (namespace ${config.temporalNamespace})`,
    `  MongoDB URI:      ${redact(resolved.mongodbUri)}`,
    resolved.mailDir === undefined
      ? `  Mail:             sent through SMTP_URL=${redact(resolved.smtpUrl)}`
      : `  Mail folder:      ${resolved.mailDir}  (every message sent, as an .eml file)`,
    `  Service logs:     ${LOG_DIR}`,
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Stops the children, then the services, then exits. A second Ctrl-C during
 * the shutdown kills what is left at once.
 */
async function shutdown(exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;

  await Promise.allSettled(children.map((child) => child.stop(CHILD_STOP_GRACE_MS)));
  const stops = await Promise.allSettled(services.map((service) => service.stop()));
  stops.forEach((result, index) => {
    if (result.status === 'rejected') log.error({ err: result.reason, service: services[index]?.name }, 'Could not stop a service');
  });
  await Promise.allSettled(logStreams.map((stream) => new Promise((resolve) => stream.end(resolve))));

  log.info({}, 'Stopped');
  // Services that were still starting when the shutdown began are killed by
  // the exit hook of scripts/services/process.ts.
  process.exit(exitCode);
}

/**
 * One Ctrl-C can arrive more than once: from the terminal and again relayed
 * by npm or the tsx CLI a few milliseconds later. Only a signal this long
 * after the first counts as a second request.
 */
const REPEATED_SIGNAL_WINDOW_MS = 2_000;

function handleSignals(): void {
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        log.info({ signal }, 'Stopping');
        void shutdown(0);
        return;
      }
      if (Date.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
      log.warn({ signal }, 'Second signal: killing everything now');
      process.exit(130);
    });
  }
}

async function main(): Promise<void> {
  handleSignals();

  // Validates every variable first, so a typo fails before anything starts.
  const config = loadConfig(process.env);
  const plan = planLocalServices(process.env);
  await checkPorts(plan, config);

  const resolved = await startLocalServices(plan, config);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    MONGODB_URI: resolved.mongodbUri,
    TEMPORAL_ADDRESS: resolved.temporalAddress,
    SMTP_URL: resolved.smtpUrl,
  };

  await createFirstApiKey(childEnv);
  if (shuttingDown) return;
  startChild('worker', 'worker.ts', childEnv);
  const api = startChild('api', 'api/server.ts', childEnv);
  await waitForApi(api, config.port);
  if (!shuttingDown) printSummary(config, resolved);
}

main().catch((error: unknown) => {
  if (shuttingDown) return;
  // These messages are complete for the user, so they go out without a stack trace.
  let message = String(error);
  if (error instanceof ConfigError || error instanceof StartError) message = error.message;
  else if (error instanceof Error) message = error.stack ?? error.message;
  process.stderr.write(`npm start failed: ${message}\n`);
  void shutdown(1);
});
