/**
 * Vitest global setup: installs the tools on first use, then starts one
 * Temporal dev server and one FerretDB for the whole test run, each on a
 * fresh temporary database and a free port. TEMPORAL_ADDRESS or MONGODB_URI
 * point the tests at a running server instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startFerretDb } from '../../scripts/services/ferretdb.js';
import { findFreePort } from '../../scripts/services/process.js';
import { startTemporalDevServer } from '../../scripts/services/temporal.js';
import { ensureTemporalTestServer } from '../../scripts/tools.js';

interface StartedService {
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'automations-test-'));
  const started: StartedService[] = [];

  const teardown = async (): Promise<void> => {
    await Promise.allSettled(started.map((service) => service.stop()));
    await rm(tempDir, { recursive: true, force: true });
  };

  try {
    project.provide('temporalTestServerPath', await ensureTemporalTestServer());

    // allSettled, not all: when one start fails, the other must have finished
    // (and registered itself in `started`) before teardown stops it.
    const [temporal, mongodb] = await Promise.allSettled([
      resolveTemporal(tempDir, started),
      resolveMongoDb(tempDir, started),
    ]);
    if (temporal.status === 'rejected') throw temporal.reason;
    if (mongodb.status === 'rejected') throw mongodb.reason;
    project.provide('temporalAddress', temporal.value);
    project.provide('mongodbUri', mongodb.value);
  } catch (error) {
    await teardown();
    throw error;
  }

  return teardown;
}

async function resolveTemporal(tempDir: string, started: StartedService[]): Promise<string> {
  const configured = process.env.TEMPORAL_ADDRESS;
  if (configured !== undefined && configured !== '') return configured;

  const server = await startTemporalDevServer({
    dbFile: path.join(tempDir, 'temporal', 'temporal.db'),
    port: await findFreePort(),
    headless: true,
    // The database is thrown away after the run, so durability buys nothing.
    sqliteSynchronous: 'OFF',
  });
  started.push(server);
  return server.address;
}

async function resolveMongoDb(tempDir: string, started: StartedService[]): Promise<string> {
  const configured = process.env.MONGODB_URI;
  if (configured !== undefined && configured !== '') return configured;

  const server = await startFerretDb({ dataDir: path.join(tempDir, 'ferretdb'), port: await findFreePort() });
  started.push(server);
  return server.uri;
}
