/**
 * Product processes (API, worker) started as children of the benchmark, so
 * their CPU and memory are their own. Each runs with `node --import tsx`,
 * and with a preload that reports its memory on request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../scripts/tools.js';

const MEMORY_PROBE = path.join(REPO_ROOT, 'bench', 'support', 'memory-probe.mjs');
const STOP_GRACE_MS = 10_000;
const MEMORY_REPLY_TIMEOUT_MS = 10_000;

export interface ProcessMemory {
  /** Resident set size from /proc/<pid>/status, in bytes. */
  rssBytes: number;
  /** V8 heap in use after a full collection, in bytes. */
  heapUsedBytes: number;
}

export interface ProductChild {
  readonly name: string;
  readonly pid: number;
  memory(): Promise<ProcessMemory>;
  /** Sends SIGTERM, then SIGKILL after a grace period, and waits for the exit. */
  stop(): Promise<void>;
}

export interface ProductChildOptions {
  name: string;
  /** Script path relative to the repository root. */
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** The `msg` of the JSON log line that reports the process ready. */
  readyMessage: string;
  readyTimeoutMs: number;
  /** File that receives everything the process prints. */
  logFile: string;
}

/** Starts a product process and resolves once it logs `readyMessage`. */
export async function startProductChild(options: ProductChildOptions): Promise<ProductChild> {
  // BENCH_CPU_PROFILE_DIR: write a V8 CPU profile of each product process there when it exits.
  const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const nodeArgs = ['--expose-gc', ...profiling, '--import', 'tsx', '--import', MEMORY_PROBE];
  const child = spawn(process.execPath, [...nodeArgs, options.script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    await waitForLogLine(child, options.readyMessage, options.readyTimeoutMs, options.name);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(error as Error).message}; see ${options.logFile}`);
  }

  const pid = child.pid!;
  return {
    name: options.name,
    pid,
    async memory() {
      const heapUsedBytes = await requestHeapUsed(child);
      return { rssBytes: await readRssBytes(pid), heapUsedBytes };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
      log.end();
    },
  };
}

function waitForLogLine(child: ChildProcess, message: string, timeoutMs: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(new Error(`${name} did not log "${message}" within ${timeoutMs / 1000} s`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes(`"msg":${JSON.stringify(message)}`)) finish();
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready`));
    };
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

function requestHeapUsed(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the child did not report its memory in time'));
    }, MEMORY_REPLY_TIMEOUT_MS);
    const onMessage = (message: unknown): void => {
      const memory = (message as { memory?: NodeJS.MemoryUsage }).memory;
      if (memory === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(memory.heapUsed);
    };
    child.on('message', onMessage);
    child.send('memory');
  });
}

/** Reads VmRSS of a process from /proc (Linux only), in bytes. */
export async function readRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS line in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
