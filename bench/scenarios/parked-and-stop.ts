/**
 * Parked runs and stop at scale. Starts runs of two automations that park in
 * a one-hour delay, through the engine (the API's Temporal client code) in
 * bounded-concurrency batches, and measures the worker's memory before and
 * after. Then stops the first automation through the API and times how long
 * until every one of its runs is cancelled in the mirror, and counts the
 * emails its runs sent after the stop (it must be zero).
 */
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { silentLogger } from '../../config/logger.js';
import { uuidv7 } from '../../domain/ids.js';
import { createRunsEngine } from '../../engine/runs-engine.js';
import { AutomationsRepository } from '../../repositories/automations.js';
import type { RunInput } from '../../workflows/contract.js';
import { createAutomation, parkedAutomation } from '../support/fixtures.js';
import type { ProcessMemory, ProductChild } from '../support/processes.js';
import type { ApiClient } from '../support/product.js';
import { runsCollection } from '../support/seed.js';
import { pollUntil, round, runBounded } from '../support/stats.js';

export interface ParkedAndStopOptions {
  api: ApiClient;
  temporal: Client;
  db: Db;
  worker: ProductChild;
  taskQueue: string;
  templateId: string;
  contactId: string;
  /** Runs to park, split evenly between the two automations; the first one's are stopped. */
  parkedRuns: number;
  startConcurrency: number;
  /** Runs started before waiting for them to park. */
  batchSize: number;
  /** Maximum time for starting the runs and waiting for them to park; the scenario goes on with the runs parked by then. */
  parkTimeLimitMs: number;
  /** Maximum wait for the stopped automation's runs to be cancelled. */
  stopTimeLimitMs: number;
  countEmails(automationId: string): Promise<number>;
}

export interface MemoryFigures {
  rssMb: number;
  heapUsedMb: number;
}

export interface ParkedResult {
  requested: number;
  started: number;
  /** Starts that failed; the first error is kept. */
  failedStarts: number;
  firstError: string | null;
  startSeconds: number;
  startsPerSecond: number;
  /** Runs whose mirror shows the delay step waiting when the worker was measured. */
  parked: number;
  /** From the first start to the moment every started run was seen parked (or the wait gave up). */
  parkSeconds: number;
  parkedPerSecond: number;
  allParked: boolean;
  workerBefore: MemoryFigures;
  workerAfter: MemoryFigures;
  rssAddedMb: number;
  heapAddedMb: number;
  rssPerParkedRunKb: number;
  /**
   * RSS after the last batch minus RSS after the first: what the later parked
   * runs added once the worker's workflow cache was full, which `rssAddedMb`
   * mixes with the cache and the working set of a worker that runs workflows.
   */
  rssAddedAfterFirstBatchMb: number | null;
  /** Worker memory right after each batch had parked, to show whether it grows with the parked runs or levels off. */
  memoryByBatch: Array<{ parked: number } & MemoryFigures>;
  /** The readings of the idle worker after parking; `workerAfter` is their median. */
  idleReadings: MemoryFigures[];
}

export interface StopResult {
  /** Runs of the stopped automation that were open when the stop was sent. */
  runs: number;
  stopResponseSeconds: number;
  /** From sending the stop to Temporal reporting no open run of the automation. */
  workflowsClosedSeconds: number | null;
  /** From sending the stop to the mirror showing every run cancelled. */
  mirrorCancelledSeconds: number | null;
  cancelledInMirror: number;
  emailsAfterStop: number;
  /** Set when fewer than `targetRuns` could be parked: the measured time scaled linearly. An estimate, not a measurement. */
  estimatedSecondsForTarget: number | null;
  targetRuns: number;
}

const MB = 1024 * 1024;
/** Trigger events of the automation that is stopped and of the one that keeps its runs parked. */
const EVENT_NAMES = ['bench.parked.stopped', 'bench.parked.kept'] as const;
const SETTLE_MS = 5_000;
const POLL_MS = 1_000;
/** Readings of the idle worker's memory after parking, this far apart; RSS moves by tens of MB between readings. */
const IDLE_READINGS = 5;
const IDLE_READING_INTERVAL_MS = 2_000;
/** Mirror reads by `_id` in flight while checking that a batch has parked. */
const PARKED_CHECK_CONCURRENCY = 10;

export async function runParkedAndStop(options: ParkedAndStopOptions): Promise<{ parked: ParkedResult; stop: StopResult }> {
  const automations = new AutomationsRepository(options.db);
  const ids = [
    await createAutomation(options.api, parkedAutomation(EVENT_NAMES[0], options.templateId, 'Parked, stopped')),
    await createAutomation(options.api, parkedAutomation(EVENT_NAMES[1], options.templateId, 'Parked, kept')),
  ];
  const graphs = await Promise.all(ids.map(async (id) => (await automations.findById(id))!.graph));
  const engine = createRunsEngine({ client: options.temporal, taskQueue: options.taskQueue, log: silentLogger });

  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const workerBefore = toFigures(await options.worker.memory());

  // Runs alternate between the two automations, so each gets half. They start
  // in batches, and the next batch starts only once the last one has parked,
  // so the worker is idle when its memory is read.
  const runIds: string[][] = [[], []];
  const firstStart = performance.now();
  const deadline = firstStart + options.parkTimeLimitMs;
  let started = 0;
  let failedStarts = 0;
  let firstError: unknown;
  let startMs = 0;
  let parkedCount = 0;
  const memoryByBatch: ParkedResult['memoryByBatch'] = [];
  while (started < options.parkedRuns && performance.now() < deadline) {
    const offset = started + failedStarts;
    const batchRunIds: string[] = [];
    const starts = await runBounded(
      {
        count: Math.min(options.batchSize, options.parkedRuns - started),
        concurrency: options.startConcurrency,
        timeLimitMs: deadline - performance.now(),
      },
      async (i) => {
        const automationIndex = (offset + i) % 2;
        const input: RunInput = {
          runId: uuidv7(),
          automationId: ids[automationIndex]!,
          contactId: options.contactId,
          createdAt: Date.now(),
          trigger: { eventId: uuidv7(), event: EVENT_NAMES[automationIndex]!, payload: { index: offset + i } },
          graph: graphs[automationIndex]!,
        };
        await engine.startRun(input);
        runIds[automationIndex]!.push(input.runId);
        batchRunIds.push(input.runId);
      },
    );
    started += starts.completed;
    failedStarts += starts.failed;
    firstError ??= starts.firstError;
    startMs += starts.elapsedMs;

    parkedCount += await waitUntilParked(options.db, batchRunIds, deadline - performance.now());
    // A batch that did not park in time leaves the worker busy; later batches would only add to that.
    if (parkedCount < started) break;
    memoryByBatch.push({ parked: parkedCount, ...toFigures(await options.worker.memory()) });
  }
  const parkSeconds = (performance.now() - firstStart) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const idleReadings: MemoryFigures[] = [];
  for (let i = 0; i < IDLE_READINGS; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, IDLE_READING_INTERVAL_MS));
    idleReadings.push(toFigures(await options.worker.memory()));
  }
  const workerAfter = medianReading(idleReadings);
  const firstBatch = memoryByBatch[0];

  const parked: ParkedResult = {
    requested: options.parkedRuns,
    started,
    failedStarts,
    firstError: firstError === undefined ? null : String(firstError),
    startSeconds: round(startMs / 1000, 1),
    startsPerSecond: round(started / (startMs / 1000), 1),
    parked: parkedCount,
    parkSeconds: round(parkSeconds, 1),
    parkedPerSecond: round(parkedCount / parkSeconds, 1),
    allParked: parkedCount === started,
    workerBefore,
    workerAfter,
    rssAddedMb: round(workerAfter.rssMb - workerBefore.rssMb),
    heapAddedMb: round(workerAfter.heapUsedMb - workerBefore.heapUsedMb),
    rssPerParkedRunKb: parkedCount === 0 ? 0 : round(((workerAfter.rssMb - workerBefore.rssMb) * 1024) / parkedCount),
    rssAddedAfterFirstBatchMb: firstBatch === undefined ? null : round(workerAfter.rssMb - firstBatch.rssMb),
    memoryByBatch,
    idleReadings,
  };

  const stop = await stopAutomation(options, ids[0]!, runIds[0]!, Math.ceil(options.parkedRuns / 2));
  return { parked, stop };
}

function toFigures(memory: ProcessMemory): MemoryFigures {
  return { rssMb: round(memory.rssBytes / MB), heapUsedMb: round(memory.heapUsedBytes / MB) };
}

/** Returns the reading with the median RSS. */
function medianReading(readings: MemoryFigures[]): MemoryFigures {
  const sorted = [...readings].sort((a, b) => a.rssMb - b.rssMb);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Waits until the batch's newest run has parked, then reads each run of the
 * batch by `_id` until all have parked or the time limit passes, and returns
 * how many have. Reads by `_id` cost the same however many runs are stored,
 * while a count with any other filter reads every stored run on FerretDB.
 */
async function waitUntilParked(db: Db, batchRunIds: string[], timeLimitMs: number): Promise<number> {
  const runs = runsCollection(db);
  const deadline = performance.now() + timeLimitMs;
  const isParked = async (runId: string): Promise<boolean> => {
    const doc = await runs.findOne({ _id: runId }, { projection: { steps: 1 } });
    // Only the delay step of these automations can be waiting.
    return doc?.steps.some((step) => step.status === 'waiting') === true;
  };
  const newest = batchRunIds.at(-1);
  if (newest === undefined) return 0;
  await pollUntil(() => isParked(newest), (parked) => parked, {
    intervalMs: POLL_MS,
    timeoutMs: Math.max(0, deadline - performance.now()),
  });

  let pending = batchRunIds;
  for (;;) {
    // A run that could not be read in time or failed to be read counts as not parked.
    const parkedNow = new Set<string>();
    const checking = pending;
    await runBounded(
      { count: checking.length, concurrency: PARKED_CHECK_CONCURRENCY, timeLimitMs: Math.max(1, deadline - performance.now()) },
      async (i) => {
        if (await isParked(checking[i]!)) parkedNow.add(checking[i]!);
      },
    );
    pending = checking.filter((runId) => !parkedNow.has(runId));
    if (pending.length === 0 || performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return batchRunIds.length - pending.length;
}

async function stopAutomation(options: ParkedAndStopOptions, automationId: string, runIds: string[], targetRuns: number): Promise<StopResult> {
  const runs = runsCollection(options.db);
  const emailsBefore = await options.countEmails(automationId);
  const sent = performance.now();
  await options.api.request('POST', `/automations/${automationId}/stop`);
  const stopResponseSeconds = (performance.now() - sent) / 1000;
  const remaining = () => Math.max(0, options.stopTimeLimitMs - (performance.now() - sent));

  const closed = await pollUntil(
    async () => (await options.temporal.workflow.count(`AutomationId = '${automationId}' AND ExecutionStatus = 'Running'`)).count,
    (open) => open === 0,
    { intervalMs: 250, timeoutMs: remaining() },
  );
  const workflowsClosedSeconds = closed.reached ? (performance.now() - sent) / 1000 : null;

  const mirrored = await pollUntil(
    () => runs.countDocuments({ automation_id: automationId, status: 'cancelled' }),
    (cancelled) => cancelled >= runIds.length,
    { intervalMs: POLL_MS, timeoutMs: remaining() },
  );
  const mirrorCancelledSeconds = mirrored.reached ? (performance.now() - sent) / 1000 : null;
  const emailsAfterStop = (await options.countEmails(automationId)) - emailsBefore;

  const measured = mirrorCancelledSeconds ?? workflowsClosedSeconds;
  const estimatedSecondsForTarget =
    runIds.length < targetRuns && runIds.length > 0 && measured !== null ? round((measured * targetRuns) / runIds.length, 1) : null;
  return {
    runs: runIds.length,
    stopResponseSeconds: round(stopResponseSeconds, 2),
    workflowsClosedSeconds: workflowsClosedSeconds === null ? null : round(workflowsClosedSeconds, 1),
    mirrorCancelledSeconds: mirrorCancelledSeconds === null ? null : round(mirrorCancelledSeconds, 1),
    cancelledInMirror: mirrored.value,
    emailsAfterStop,
    estimatedSecondsForTarget,
    targetRuns,
  };
}
