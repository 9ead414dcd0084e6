/**
 * The one place that reads the environment. Every process calls `loadConfig()`
 * once at start-up and passes the result down; nothing else reads `process.env`.
 */

export interface Config {
  port: number;
  /** Address the API listens on; loopback unless HOST is set. */
  host: string;
  mongodbUri: string;
  mongodbDatabase: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalTaskQueue: string;
  smtpUrl: string;
  publicUrl: string;
  /** Sender used when neither the step nor the template names one. */
  mailFrom: string;
  bootstrapApiKey: string | undefined;
  /**
   * Key that signs unsubscribe links. When unset, the first process that
   * needs one generates it and stores it in MongoDB for every other process.
   */
  unsubscribeSecret: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Requests per second allowed to each API key, counted by each API process; undefined turns the limit off. */
  rateLimitPerSecond: number | undefined;
  /** Time between two passes of the worker's run mirror reconciler, in milliseconds; 0 turns it off. */
  reconcileIntervalMs: number;
  /** Runs the worker keeps in memory between their workflow tasks; undefined keeps the worker's default. */
  workerMaxCachedWorkflows: number | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Default addresses of the local services that `npm start` launches. */
export const LOCAL_DEFAULTS = {
  port: 3000,
  mongodbUri: 'mongodb://127.0.0.1:27017',
  temporalAddress: '127.0.0.1:7233',
  smtpUrl: 'smtp://127.0.0.1:2525',
} as const;

type Env = Record<string, string | undefined>;

function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

function readUrl(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = env[name] === undefined || env[name] === '' ? fallback : env[name]!;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL such as ${fallback}, got an invalid value`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use one of ${protocols.join(', ')}, got "${url.protocol}"`);
  }
  return raw;
}

function readName(env: Env, name: string, fallback: string, pattern: RegExp, hint: string): string {
  const raw = env[name] === undefined || env[name] === '' ? fallback : env[name]!;
  if (!pattern.test(raw)) throw new ConfigError(`${name} must be ${hint}, got "${raw}"`);
  return raw;
}

const MAX_RATE_LIMIT_PER_SECOND = 1_000_000;

function readRateLimit(env: Env): number | undefined {
  const raw = env.RATE_LIMIT_PER_SECOND;
  if (raw === undefined || raw === '') return undefined;
  const limit = Number(raw);
  if (!/^[0-9]+$/.test(raw) || limit < 1 || limit > MAX_RATE_LIMIT_PER_SECOND) {
    throw new ConfigError(
      `RATE_LIMIT_PER_SECOND must be a whole number of requests from 1 to ${MAX_RATE_LIMIT_PER_SECOND}, or empty to turn the limit off, got "${raw}"`,
    );
  }
  return limit;
}

const DEFAULT_RECONCILE_INTERVAL_SECONDS = 60;
const MAX_RECONCILE_INTERVAL_SECONDS = 24 * 60 * 60;

function readReconcileInterval(env: Env): number {
  const raw = env.RECONCILE_INTERVAL_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_RECONCILE_INTERVAL_SECONDS * 1000;
  const seconds = Number(raw);
  if (!/^[0-9]+$/.test(raw) || seconds > MAX_RECONCILE_INTERVAL_SECONDS) {
    throw new ConfigError(
      `RECONCILE_INTERVAL_SECONDS must be a whole number of seconds from 0 (off) to ${MAX_RECONCILE_INTERVAL_SECONDS}, got "${raw}"`,
    );
  }
  return seconds * 1000;
}

const MAX_CACHED_WORKFLOWS_LIMIT = 100_000;

function readMaxCachedWorkflows(env: Env): number | undefined {
  const raw = env.WORKER_MAX_CACHED_WORKFLOWS;
  if (raw === undefined || raw === '') return undefined;
  const count = Number(raw);
  if (!/^[0-9]+$/.test(raw) || count < 1 || count > MAX_CACHED_WORKFLOWS_LIMIT) {
    throw new ConfigError(
      `WORKER_MAX_CACHED_WORKFLOWS must be a whole number from 1 to ${MAX_CACHED_WORKFLOWS_LIMIT}, got "${raw}"`,
    );
  }
  return count;
}

/** Reads and validates the configuration, throwing a ConfigError that names the variable. */
export function loadConfig(env: Env = process.env): Config {
  const port = readPort(env, 'PORT', LOCAL_DEFAULTS.port);
  const logLevel = readName(env, 'LOG_LEVEL', 'info', /^(debug|info|warn|error)$/, 'one of debug, info, warn, error');
  const bootstrapApiKey = env.BOOTSTRAP_API_KEY === '' ? undefined : env.BOOTSTRAP_API_KEY;
  if (bootstrapApiKey !== undefined && !/^[\x21-\x7e]{16,200}$/.test(bootstrapApiKey)) {
    throw new ConfigError('BOOTSTRAP_API_KEY must be 16 to 200 printable characters without spaces');
  }
  const unsubscribeSecret = env.UNSUBSCRIBE_SECRET === '' ? undefined : env.UNSUBSCRIBE_SECRET;
  if (unsubscribeSecret !== undefined && !/^[\x21-\x7e]{32,512}$/.test(unsubscribeSecret)) {
    throw new ConfigError(
      'UNSUBSCRIBE_SECRET must be 32 to 512 printable characters without spaces, such as the output of `openssl rand -base64 32`',
    );
  }

  return {
    port,
    host: readName(env, 'HOST', '127.0.0.1', /^[A-Za-z0-9.:[\]-]{1,255}$/, 'a host name or IP address, such as 127.0.0.1 or 0.0.0.0'),
    mongodbUri: readUrl(env, 'MONGODB_URI', LOCAL_DEFAULTS.mongodbUri, ['mongodb:', 'mongodb+srv:']),
    mongodbDatabase: readName(env, 'MONGODB_DATABASE', 'automations', /^[A-Za-z]{1,63}$/, 'Latin letters only'),
    temporalAddress: readName(
      env,
      'TEMPORAL_ADDRESS',
      LOCAL_DEFAULTS.temporalAddress,
      /^[A-Za-z0-9.[\]:-]+:\d{1,5}$/,
      'host:port, such as 127.0.0.1:7233',
    ),
    temporalNamespace: readName(env, 'TEMPORAL_NAMESPACE', 'default', /^[A-Za-z0-9._-]{1,255}$/, 'a namespace name'),
    temporalTaskQueue: readName(env, 'TEMPORAL_TASK_QUEUE', 'automations', /^[A-Za-z0-9._-]{1,255}$/, 'a task queue name'),
    smtpUrl: readUrl(env, 'SMTP_URL', LOCAL_DEFAULTS.smtpUrl, ['smtp:', 'smtps:']),
    publicUrl: readUrl(env, 'PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, ''),
    mailFrom: env.MAIL_FROM && env.MAIL_FROM !== '' ? env.MAIL_FROM : 'Automations <automations@localhost>',
    bootstrapApiKey,
    unsubscribeSecret,
    logLevel: logLevel as Config['logLevel'],
    rateLimitPerSecond: readRateLimit(env),
    reconcileIntervalMs: readReconcileInterval(env),
    workerMaxCachedWorkflows: readMaxCachedWorkflows(env),
  };
}
