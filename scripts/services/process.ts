/**
 * Child-process and port helpers shared by the tool installer, the local
 * services and `npm start`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Lines of a child's output kept to explain a failure. */
const RECENT_OUTPUT_LINES = 40;

/** Ring buffer of the last lines a child printed, for error messages. */
class RecentOutput {
  private readonly lines: string[] = [];
  private partial = '';

  /** Appends a chunk and passes each completed line to `onLine`. */
  push(chunk: Buffer, onLine?: (line: string) => void): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > RECENT_OUTPUT_LINES) this.lines.shift();
      onLine?.(line);
    }
  }

  toString(): string {
    return [...this.lines, this.partial].filter((line) => line !== '').join('\n');
  }
}

export interface RunCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs a command to completion and returns its standard output. On failure it
 * throws an error that quotes the last lines the command printed.
 */
export async function runCommand(command: string, args: string[], options: RunCommandOptions = {}): Promise<string> {
  const output = new RecentOutput();
  const stdout: Buffer[] = [];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    output.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new Error(`Command not found: ${command}`));
        else reject(error);
      });
      child.once('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  );

  if (code !== 0) {
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    throw new Error(`${command} ${args.join(' ')} failed with ${how}:\n${output.toString()}`);
  }
  return Buffer.concat(stdout).toString('utf8');
}

export interface ServiceProcessOptions {
  /** Short name used in messages, e.g. "temporal". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Receives each line the service prints; lines are also kept for error messages. */
  onOutputLine?: (line: string) => void;
  /** Passes the output straight to this process's stdout and stderr instead of capturing it. */
  inheritOutput?: boolean;
  cwd?: string;
  /**
   * Starts the service in its own process group, so a Ctrl-C in the terminal
   * reaches only the launcher, which can then stop services after the
   * processes that use them.
   */
  ownProcessGroup?: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /** The last lines the process printed, unless its output is inherited. */
  recentOutput(): string;
  /** Sends SIGTERM, then SIGKILL if the process is still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Sends SIGKILL, as a crash would, and resolves once the process has exited. */
  kill(): Promise<void>;
}

const DEFAULT_STOP_GRACE_MS = 10_000;

/** Processes that are still running, killed as a last resort when this process exits. */
const running = new Set<ServiceProcess>();
/** Processes started as leaders of their own process group. */
const groupLeaders = new WeakSet<ServiceProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Runs on a normal exit and after an uncaught exception, but not when this
  // process itself is killed with SIGKILL.
  process.on('exit', () => {
    for (const service of running) signalProcess(service, 'SIGKILL');
  });
}

function signalProcess(service: ServiceProcess, signal: NodeJS.Signals): void {
  const pid = service.child.pid;
  if (pid === undefined || service.hasExited()) return;
  try {
    // A negative pid signals the whole process group started for the service.
    if (groupLeaders.has(service)) process.kill(-pid, signal);
    else service.child.kill(signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Starts a long-running child process whose output is captured line by line. */
export function spawnService(options: ServiceProcessOptions): ServiceProcess {
  const output = new RecentOutput();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: options.inheritOutput === true ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk, options.onOutputLine));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk, options.onOutputLine));

  let exitStatus: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      output.push(Buffer.from(`${error.message}\n`));
      exitStatus = { code: null, signal: null };
      resolve(exitStatus);
    });
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
  });

  const service: ServiceProcess = {
    name: options.name,
    child,
    exited,
    hasExited: () => exitStatus !== undefined,
    recentOutput: () => output.toString(),
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      signalProcess(service, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) {
        signalProcess(service, 'SIGKILL');
        await exited;
      }
      running.delete(service);
    },
    async kill() {
      signalProcess(service, 'SIGKILL');
      await exited;
      running.delete(service);
    },
  };

  if (options.ownProcessGroup === true) groupLeaders.add(service);
  running.add(service);
  void exited.then(() => running.delete(service));
  installExitHook();
  return service;
}

/** Describes how a process ended, e.g. "exit code 1" or "signal SIGKILL". */
export function describeExit(status: ExitStatus): string {
  if (status.signal !== null) return `signal ${status.signal}`;
  if (status.code !== null) return `exit code ${status.code}`;
  return 'an error before it started';
}

/** Error for a port that something else already listens on. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`Port ${port} on ${host} is already in use`);
  }
}

/** Throws PortInUseError if `host:port` cannot be bound right now. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(host, port));
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Returns a port that was free a moment ago. Another process may still take
 * it before the caller binds it, which is an accepted risk on a test machine.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Could not read the port of a listening socket');
  return address.port;
}

export interface WaitUntilReadyOptions {
  service: ServiceProcess;
  /** Resolves once the service responds; a rejection means "not yet". */
  probe: () => Promise<void>;
  timeoutMs: number;
  intervalMs?: number;
  /** Name of the service in messages, e.g. "Temporal dev server at 127.0.0.1:7233". */
  description: string;
}

/**
 * Polls `probe` until it succeeds, and throws if the process exits first or
 * the timeout passes, quoting the last probe error and the process output.
 */
export async function waitUntilReady(options: WaitUntilReadyOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let lastError: unknown;

  while (Date.now() < deadline) {
    if (options.service.hasExited()) {
      const status = await options.service.exited;
      throw new Error(
        `${options.description} exited with ${describeExit(status)} before it was ready. ` +
          `Its last output:\n${options.service.recentOutput()}`,
      );
    }
    try {
      await options.probe();
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }

  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `${options.description} was not ready after ${options.timeoutMs / 1000} s (last error: ${reason}). ` +
      `Its last output:\n${options.service.recentOutput()}`,
  );
}
