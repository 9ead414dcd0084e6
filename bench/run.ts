/**
 * `npm run bench`: starts its own Temporal dev server, FerretDB (unless
 * MONGODB_URI is set) and local SMTP server on free loopback ports, runs the
 * product's API and worker as child processes, runs the benchmarks, prints a
 * table and writes the figures to bench/results/<timestamp>.json.
 *
 * Every loop is bounded in count and time; the defaults keep a run under ten
 * minutes on a 2-core machine. `--only a,b` runs some scenarios (overhead,
 * ingestion, parked, listing). bench/README.md explains each figure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../scripts/tools.js';
import { silentLogger } from '../config/logger.js';
import { createRunsEngine } from '../engine/runs-engine.js';
import { AutomationsRepository } from '../repositories/automations.js';
import { WORKER_TUNING } from '../worker.js';
import { runIngestion, type IngestionCase } from './scenarios/ingestion.js';
import { runListing, type ListingResult } from './scenarios/listing.js';
import { runParkedAndStop, type ParkedResult, type StopResult } from './scenarios/parked-and-stop.js';
import { runOverhead, type RunOverheadResult } from './scenarios/run-overhead.js';
import { createContacts, createPublishedTemplate } from './support/fixtures.js';
import type { ProductChild } from './support/processes.js';
import { connectDriverClients, startApi, startBareWorker, startEngineWorker, type DriverClients } from './support/product.js';
import { startBenchServices, type BenchServices } from './support/services.js';
import { renderTable } from './support/table.js';

const SCENARIOS = ['overhead', 'ingestion', 'parked', 'listing'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'overhead-runs': { type: 'string', default: '100' },
    'overhead-rounds': { type: 'string', default: '2' },
    'ingestion-requests': { type: 'string', default: '300' },
    'ingestion-mirror-runs': { type: 'string', default: '2000' },
    'parked-runs': { type: 'string', default: '10000' },
    'parked-batch': { type: 'string', default: '500' },
    'listing-runs': { type: 'string', default: '1000000' },
    'listing-depth': { type: 'string', default: '50000' },
    'keep-work-dir': { type: 'boolean', default: false },
    label: { type: 'string', default: '' },
  },
});

function positiveInteger(name: keyof typeof values): number {
  const raw = String(values[name]);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return value;
}

function selectedScenarios(): Set<Scenario> {
  if (values.only === undefined) return new Set(SCENARIOS);
  const names = values.only.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only takes ${SCENARIOS.join(', ')}; got "${name}"`);
  }
  return new Set(names as Scenario[]);
}

const CONCURRENCY = 16;
/** The whole benchmark stays under ten minutes: the parked runs get what the scenarios before them left of this. */
const TOTAL_BUDGET_MS = 565_000;
const STOP_TIME_LIMIT_MS = 150_000;
/** Settling before and after parking, the memory readings and stopping the servers. */
const PARKED_FIXED_COST_MS = 25_000;
const MAX_PARK_TIME_MS = 300_000;
const MIN_PARK_TIME_MS = 30_000;
/** Database names of this run: Latin letters only, for FerretDB, and unique, so a shared MongoDB keeps its other data. */
const RUN_SUFFIX = Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
const DATABASES = { engine: `bench${RUN_SUFFIX}`, ingestion: `benchingest${RUN_SUFFIX}`, listing: `benchlisting${RUN_SUFFIX}` };
const ENGINE_TASK_QUEUE = 'bench-runs';
const BARE_TASK_QUEUE = 'bench-bare';

interface Results {
  overhead?: RunOverheadResult;
  ingestion?: IngestionCase[];
  parked?: ParkedResult;
  stop?: StopResult;
  listing?: ListingResult;
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

function gitCommit(): { commit: string; dirty: boolean } {
  const run = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  return { commit: run(['rev-parse', 'HEAD']), dirty: run(['status', '--porcelain', '--untracked-files=no']) !== '' };
}

async function main(): Promise<void> {
  const scenarios = selectedScenarios();
  const started = performance.now();
  const externalMongodbUri = process.env.MONGODB_URI === '' ? undefined : process.env.MONGODB_URI;
  const loadAtStart = os.loadavg();
  const results: Results = {};
  const errors: Partial<Record<Scenario, string>> = {};
  const children: ProductChild[] = [];
  let services: BenchServices | undefined;
  let clients: DriverClients | undefined;

  const stopEverything = async (): Promise<void> => {
    for (const child of children.reverse()) await child.stop().catch(() => {});
    // FerretDB's files go with the work directory; a MongoDB named by MONGODB_URI keeps what is not dropped.
    if (externalMongodbUri !== undefined) {
      for (const name of Object.values(DATABASES)) await clients?.db(name).dropDatabase().catch(() => {});
    }
    await clients?.close().catch(() => {});
    await services?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the servers`);
      void stopEverything().then(() => process.exit(130));
    });
  }

  try {
    log(`starting Temporal, ${externalMongodbUri === undefined ? 'FerretDB' : 'no MongoDB (MONGODB_URI is set)'} and the SMTP server`);
    services = await startBenchServices({ externalMongodbUri, keepWorkDir: values['keep-work-dir'] });
    log(`work directory ${services.workDir}`);
    clients = await connectDriverClients(services);
    const engineDb = clients.db(DATABASES.engine);
    const countEmails = async (automationId: string) =>
      engineDb.collection('emails').countDocuments({ automation_id: automationId });

    log('starting the API and the workers (the workers bundle the workflow code first)');
    const needsWorkers = scenarios.has('overhead') || scenarios.has('parked');
    // allSettled, so that a child that started is stopped even when another failed to start.
    const [apiStart, engineWorkerStart, bareWorkerStart] = await Promise.allSettled([
      startApi(services, DATABASES.engine, ENGINE_TASK_QUEUE),
      needsWorkers ? startEngineWorker(services, DATABASES.engine, ENGINE_TASK_QUEUE) : undefined,
      scenarios.has('overhead') ? startBareWorker(services, BARE_TASK_QUEUE) : undefined,
    ]);
    for (const start of [apiStart, engineWorkerStart, bareWorkerStart]) {
      if (start.status !== 'fulfilled' || start.value === undefined) continue;
      children.push('child' in start.value ? start.value.child : start.value);
    }
    const api = settledValue(apiStart);
    const engineWorker = settledValue(engineWorkerStart);
    const bareWorker = settledValue(bareWorkerStart);
    const templateId = await createPublishedTemplate(api.api);

    // A scenario that fails is recorded with its error, and the others still run.
    const attempt = async (name: Scenario, run: () => Promise<void>): Promise<void> => {
      if (!scenarios.has(name)) return;
      try {
        await run();
      } catch (error) {
        log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        errors[name] = error instanceof Error ? error.message : String(error);
      }
    };

    await attempt('overhead', async () => {
      log('run overhead: engine vs bare workflow');
      results.overhead = await runOverhead({
        api: api.api,
        temporal: clients!.temporal,
        templateId,
        bareTaskQueue: BARE_TASK_QUEUE,
        runsPerRound: positiveInteger('overhead-runs'),
        rounds: positiveInteger('overhead-rounds'),
        concurrency: CONCURRENCY,
        timeLimitMs: 150_000,
        countEmails,
        engine: createRunsEngine({ client: clients!.temporal, taskQueue: ENGINE_TASK_QUEUE, log: silentLogger }),
        loadGraph: async (automationId) => {
          const automation = await new AutomationsRepository(engineDb).findById(automationId);
          if (!automation) throw new Error(`automation ${automationId} was not found`);
          return automation.graph;
        },
      });
      await bareWorker?.stop();
    });

    await attempt('ingestion', async () => {
      log('ingestion: POST /events/send with 1 and 5 automations');
      const ingestApi = await startApi(services!, DATABASES.ingestion, 'bench-ingest-unpolled');
      children.push(ingestApi.child);
      const ingestTemplate = await createPublishedTemplate(ingestApi.api);
      results.ingestion = await runIngestion({
        api: ingestApi.api,
        db: clients!.db(DATABASES.ingestion),
        templateId: ingestTemplate,
        requests: positiveInteger('ingestion-requests'),
        concurrency: CONCURRENCY,
        timeLimitMs: 30_000,
        contacts: 50,
        mirrorRuns: positiveInteger('ingestion-mirror-runs'),
      });
      await ingestApi.child.stop();
    });

    // Listing runs before the parked runs, whose cancellation may still keep the worker busy when the scenario ends.
    await attempt('listing', async () => {
      log('listing at scale');
      const listingApi = await startApi(services!, DATABASES.listing, 'bench-listing-unpolled');
      children.push(listingApi.child);
      results.listing = await runListing({
        api: listingApi.api,
        db: clients!.db(DATABASES.listing),
        targetRuns: positiveInteger('listing-runs'),
        targetDepth: positiveInteger('listing-depth'),
        probeRuns: 10_000,
        batchSize: 1_000,
        requestsPerVariant: 5,
        timeLimitMs: 60_000,
      });
      await listingApi.child.stop();
    });

    await attempt('parked', async () => {
      if (!engineWorker) throw new Error('the engine worker did not start');
      log('parked runs and stop at scale');
      const [contactId] = await createContacts(api.api, 'parked', 1);
      const { parked, stop } = await runParkedAndStop({
        api: api.api,
        temporal: clients!.temporal,
        db: engineDb,
        worker: engineWorker,
        taskQueue: ENGINE_TASK_QUEUE,
        templateId,
        contactId: contactId!,
        parkedRuns: positiveInteger('parked-runs'),
        startConcurrency: 20,
        batchSize: positiveInteger('parked-batch'),
        parkTimeLimitMs: parkTimeLimitMs(performance.now() - started),
        stopTimeLimitMs: STOP_TIME_LIMIT_MS,
        countEmails,
      });
      results.parked = parked;
      results.stop = stop;
    });
  } finally {
    await stopEverything();
  }

  const report = {
    createdAt: new Date().toISOString(),
    label: values.label,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
      loadAverageAtStart: loadAtStart.map((load) => Math.round(load * 100) / 100),
      loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
      note: 'Shared machine: other processes ran at the same time, so figures are noisy.',
    },
    node: process.version,
    git: gitCommit(),
    mongodb: externalMongodbUri === undefined ? 'FerretDB 1.24.2, SQLite backend' : 'MONGODB_URI',
    temporal: 'temporal CLI dev server, SQLite file, journal_mode=WAL, synchronous=OFF',
    workerTuning: WORKER_TUNING,
    totalSeconds: Math.round((performance.now() - started) / 1000),
    results,
    errors,
  };

  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${report.createdAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderTable(report)}\n`);
  log(`wrote ${path.relative(REPO_ROOT, file)} in ${report.totalSeconds} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/** Returns the time the parked runs may take to park, given the time the benchmark has run so far. */
function parkTimeLimitMs(elapsedMs: number): number {
  const left = TOTAL_BUDGET_MS - elapsedMs - STOP_TIME_LIMIT_MS - PARKED_FIXED_COST_MS;
  return Math.min(MAX_PARK_TIME_MS, Math.max(MIN_PARK_TIME_MS, left));
}
