/**
 * Run overhead: runs per second of the three-step automation, started through
 * POST /events/send, against a bare workflow that calls three no-op
 * activities, started with the Temporal client. Both run on the same server
 * with workers of the same options, one after the other, in alternating rounds.
 * Each round also starts the automation's runs through the engine directly
 * (the API's Temporal client code), which leaves out the API's own work.
 */
import type { Client } from '@temporalio/client';
import { uuidv7 } from '../../domain/ids.js';
import type { AutomationGraph } from '../../domain/graph.js';
import type { RunsEngine } from '../../engine/types.js';
import { automationIdKey } from '../../workflows/search-attributes.js';
import { contactEmail, createAutomation, createContacts, threeStepAutomation } from '../support/fixtures.js';
import type { ApiClient } from '../support/product.js';
import { round, runBounded, type BoundedLoopResult } from '../support/stats.js';

export interface RunOverheadOptions {
  api: ApiClient;
  temporal: Client;
  templateId: string;
  bareTaskQueue: string;
  runsPerRound: number;
  rounds: number;
  /** Requests or workflow starts in flight at once. */
  concurrency: number;
  /**
   * Time for the whole scenario. No round starts after half of it, and a
   * batch still open when it ends is measured by the runs closed by then.
   */
  timeLimitMs: number;
  /** Counts the emails of an automation in the mirror database. */
  countEmails(automationId: string): Promise<number>;
  /** Starts runs without the API, on the engine worker's task queue. */
  engine: RunsEngine;
  /** Reads an automation's graph, for runs started without the API. */
  loadGraph(automationId: string): Promise<AutomationGraph>;
}

export interface Throughput {
  /** Runs whose start request succeeded. */
  runs: number;
  /** Start requests that failed; their runs are left out of every figure. */
  failedStarts: number;
  firstError: string | null;
  /** Runs that closed as Completed before the time limit. */
  completed: number;
  /** Whether every run closed before the time limit. */
  allClosed: boolean;
  /** From the first start request to the last close, or to the time limit, in seconds. */
  seconds: number;
  /** From the first start request to the last response, in seconds. */
  startSeconds: number;
  runsPerSecond: number;
}

export interface RunOverheadResult {
  startPath: string;
  runsPerRound: number;
  concurrency: number;
  rounds: Array<{ engine: Throughput; engineDirect: Throughput; bare: Throughput; engineEmails: number }>;
  engineRunsPerSecond: number;
  engineDirectRunsPerSecond: number;
  bareRunsPerSecond: number;
  /** Engine through POST /events/send over bare. */
  ratio: number;
  /** Engine started directly over bare: the worker's share of the overhead. */
  directRatio: number;
}

const BARE_STEPS = 3;
const WARM_UP_RUNS = 8;
/** Contacts that the directly started runs share, one per run in flight. */
const DIRECT_CONTACTS = 16;

export async function runOverhead(options: RunOverheadOptions): Promise<RunOverheadResult> {
  const deadline = Date.now() + options.timeLimitMs;
  const halfway = Date.now() + options.timeLimitMs / 2;

  // Unmeasured warm-up: the first runs pay for connections and code caches.
  await measureEngine(options, 'warmup', WARM_UP_RUNS, deadline);
  await measureBare(options, 'warmup', WARM_UP_RUNS, deadline);
  const contactIds = await createContacts(options.api, 'direct', DIRECT_CONTACTS);

  const rounds: RunOverheadResult['rounds'] = [];
  for (let index = 0; index < options.rounds; index += 1) {
    if (index > 0 && Date.now() > halfway) break;
    const bare = await measureBare(options, `r${index}`, options.runsPerRound, deadline);
    const { throughput: engine, automationId } = await measureEngine(options, `r${index}`, options.runsPerRound, deadline);
    const engineDirect = await measureEngineDirect(options, `r${index}`, options.runsPerRound, deadline, contactIds);
    rounds.push({ engine, engineDirect, bare, engineEmails: await options.countEmails(automationId) });
  }

  const total = (pick: (r: RunOverheadResult['rounds'][number]) => Throughput) => {
    const runs = rounds.reduce((sum, r) => sum + pick(r).completed, 0);
    const seconds = rounds.reduce((sum, r) => sum + pick(r).seconds, 0);
    return runs / seconds;
  };
  const engineRunsPerSecond = total((r) => r.engine);
  const engineDirectRunsPerSecond = total((r) => r.engineDirect);
  const bareRunsPerSecond = total((r) => r.bare);
  return {
    startPath:
      'engine: POST /events/send, one run per event for a new contact; engine direct: RunsEngine.startRun, ' +
      `${DIRECT_CONTACTS} contacts; bare: Temporal client workflow.start`,
    runsPerRound: options.runsPerRound,
    concurrency: options.concurrency,
    rounds,
    engineRunsPerSecond: round(engineRunsPerSecond, 2),
    engineDirectRunsPerSecond: round(engineDirectRunsPerSecond, 2),
    bareRunsPerSecond: round(bareRunsPerSecond, 2),
    ratio: round(engineRunsPerSecond / bareRunsPerSecond, 2),
    directRatio: round(engineDirectRunsPerSecond / bareRunsPerSecond, 2),
  };
}

async function measureEngine(
  options: RunOverheadOptions,
  label: string,
  runs: number,
  deadline: number,
): Promise<{ throughput: Throughput; automationId: string }> {
  const eventName = `bench.overhead.${label}`;
  const automationId = await createAutomation(options.api, threeStepAutomation(eventName, options.templateId));

  const started = Date.now();
  const sends = await runBounded({ count: runs, concurrency: options.concurrency, timeLimitMs: deadline - started }, async (i) => {
    await options.api.request('POST', '/events/send', { event: eventName, email: contactEmail(`ovr-${label}`, i), payload: { product: 'Orbit' } }, 202);
  });
  const throughput = await waitForClose(options, `AutomationId = '${automationId}'`, started, sends, deadline);
  return { throughput, automationId };
}

async function measureEngineDirect(
  options: RunOverheadOptions,
  label: string,
  runs: number,
  deadline: number,
  contactIds: string[],
): Promise<Throughput> {
  const eventName = `bench.overhead.direct.${label}`;
  const automationId = await createAutomation(options.api, threeStepAutomation(eventName, options.templateId));
  const graph = await options.loadGraph(automationId);

  const started = Date.now();
  const starts = await runBounded({ count: runs, concurrency: options.concurrency, timeLimitMs: deadline - started }, async (i) => {
    await options.engine.startRun({
      runId: uuidv7(),
      automationId,
      contactId: contactIds[i % contactIds.length]!,
      createdAt: Date.now(),
      trigger: { eventId: uuidv7(), event: eventName, payload: { product: 'Orbit' } },
      graph,
    });
  });
  return waitForClose(options, `AutomationId = '${automationId}'`, started, starts, deadline);
}

async function measureBare(options: RunOverheadOptions, label: string, runs: number, deadline: number): Promise<Throughput> {
  const marker = `bare-${label}-${Date.now()}`;
  const started = Date.now();
  const starts = await runBounded({ count: runs, concurrency: options.concurrency, timeLimitMs: deadline - started }, async (i) => {
    await options.temporal.workflow.start('bareRun', {
      taskQueue: options.bareTaskQueue,
      workflowId: `${marker}-${i}`,
      args: [{ steps: BARE_STEPS }],
      typedSearchAttributes: [{ key: automationIdKey, value: marker }],
    });
  });
  return waitForClose(options, `AutomationId = '${marker}'`, started, starts, deadline);
}

/**
 * Polls visibility until the started workflows matching `query` have closed
 * or the deadline passes, then reads their close times, so the span does not
 * depend on the poll interval.
 */
async function waitForClose(
  options: RunOverheadOptions,
  query: string,
  startedAt: number,
  starts: BoundedLoopResult,
  deadline: number,
): Promise<Throughput> {
  const expected = starts.completed;
  let allClosed = false;
  for (;;) {
    const { count } = await options.temporal.workflow.count(`${query} AND ExecutionStatus != 'Running'`);
    if (count >= expected) {
      allClosed = true;
      break;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  let lastClose = startedAt;
  let completed = 0;
  for await (const execution of options.temporal.workflow.list({ query, pageSize: 1000 })) {
    if (execution.status.name === 'COMPLETED') completed += 1;
    if (execution.closeTime) lastClose = Math.max(lastClose, execution.closeTime.getTime());
  }
  const seconds = ((allClosed ? lastClose : Date.now()) - startedAt) / 1000;
  return {
    runs: expected,
    failedStarts: starts.failed,
    firstError: starts.firstError === undefined ? null : String(starts.firstError),
    completed,
    allClosed,
    seconds: round(seconds, 2),
    startSeconds: round(starts.elapsedMs / 1000, 2),
    runsPerSecond: round(completed / seconds, 2),
  };
}
