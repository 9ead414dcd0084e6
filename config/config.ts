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

interface WholeNumberRange {
  min: number;
  max: number;
  /** Description of the number for the error message, such as "a whole number of seconds". */
  describe: string;
  /** Meaning of an empty value or of the minimum, for the error message. */
  note?: string;
}

/** Reads a whole number within `range`; returns undefined when the variable is unset or empty. */
function readWholeNumber(env: Env, name: string, range: WholeNumberRange): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < range.min || value > range.max) {
    const note = range.note === undefined ? '' : ` (${range.note})`;
    throw new ConfigError(`${name} must be ${range.describe} from ${range.min} to ${range.max}${note}, got "${raw}"`);
  }
  return value;
}

function readRateLimit(env: Env): number | undefined {
  return readWholeNumber(env, 'RATE_LIMIT_PER_SECOND', {
    min: 1,
    max: 1_000_000,
    describe: 'a whole number of requests',
    note: 'empty turns the limit off',
  });
}

const DEFAULT_RECONCILE_INTERVAL_SECONDS = 60;

function readReconcileInterval(env: Env): number {
  const seconds = readWholeNumber(env, 'RECONCILE_INTERVAL_SECONDS', {
    min: 0,
    max: 24 * 60 * 60,
    describe: 'a whole number of seconds',
    note: '0 turns the reconciler off',
  });
  return (seconds ?? DEFAULT_RECONCILE_INTERVAL_SECONDS) * 1000;
}

function readMaxCachedWorkflows(env: Env): number | undefined {
  return readWholeNumber(env, 'WORKER_MAX_CACHED_WORKFLOWS', { min: 1, max: 100_000, describe: 'a whole number' });
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
