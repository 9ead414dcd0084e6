/**
 * Repairs mirror runs that still read `running` after their workflow closed.
 *
 * A workflow writes its final state to the mirror before it closes and
 * retries that write without limit, so a MongoDB outage only delays it. The
 * mirror stays stale when the workflow never got to write: it was terminated
 * or timed out in Temporal, or a final write was lost some other way. The
 * reconciler finds such runs, reads their true state from Temporal and writes
 * it with the mirror's version guard, so a newer state is never overwritten.
 * Every worker process runs one; passes are idempotent, so several workers
 * only repeat work.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Logger } from '../config/logger.js';
import { isUuid } from '../domain/ids.js';
import type { RunState, RunStatus, StepError } from '../domain/run-state.js';
import type { automationRun } from '../workflows/automation-run.js';
import { runStateQuery, runWorkflowId } from '../workflows/contract.js';

/** The mirror methods the reconciler uses; RunsRepository implements them. */
export interface RunMirror {
  findRunningIds(page: { after: string | undefined; limit: number }): Promise<string[]>;
  findById(runId: string): Promise<RunState | null>;
  saveState(state: RunState): Promise<void>;
}

export interface ReconcilerOptions {
  client: Client;
  runs: RunMirror;
  log: Logger;
  /** Time between the end of one pass and the start of the next; 0 turns the reconciler off. */
  intervalMs: number;
  /** Mirror runs checked per visibility query. */
  batchSize?: number;
}

/** Counts of one reconciler pass. */
export interface ReconcilePass {
  /** Mirror runs that read `running` when the pass looked at them. */
  checked: number;
  repaired: number;
}

export interface Reconciler {
  /** Checks every mirror run that reads `running` once and repairs those whose workflow has closed. */
  reconcileOnce(): Promise<ReconcilePass>;
  /** Runs a pass every `intervalMs` until `stop()`; does nothing when the interval is 0. */
  start(): void;
  /** Stops the timer and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 100;
/** A query of a closed workflow makes a worker replay its history; this bounds the wait for one. */
const QUERY_TIMEOUT_MS = 10_000;

type RunHandle = ReturnType<Client['workflow']['getHandle']>;
type WorkflowStatusName = WorkflowExecutionDescription['status']['name'];

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { client, runs, log } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let stopped = false;

  /** Returns the ids, among `runIds`, of runs whose workflow visibility lists as closed. */
  async function findClosed(runIds: string[]): Promise<string[]> {
    // The ids go into a visibility query string, so accept nothing but UUIDs.
    const workflowIds = runIds.filter(isUuid).map(runWorkflowId);
    if (workflowIds.length === 0) return [];
    const query = `WorkflowId IN (${workflowIds.map((id) => `'${id}'`).join(', ')}) AND ExecutionStatus != 'Running'`;

    const closed = new Set<string>();
    for await (const execution of client.workflow.list({ query })) closed.add(execution.workflowId.replace(/^run-/, ''));
    return [...closed];
  }

  /** Reads the run's final state from its closed workflow; falls back to the mirror for what Temporal no longer has. */
  async function readFinalState(
    handle: RunHandle,
    description: WorkflowExecutionDescription,
    mirrored: RunState,
  ): Promise<RunState> {
    const status = description.status.name;
    if (status === 'COMPLETED') {
      return client.workflow.getHandle<typeof automationRun>(handle.workflowId).result();
    }

    // The query of a failed or cancelled workflow returns the state it recorded.
    // A terminated or timed-out workflow may not serve the query, and its state
    // never recorded a final status, so the run is closed here.
    let latest = mirrored;
    try {
      const queried = await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(runStateQuery));
      if (queried.version >= mirrored.version) latest = queried;
    } catch (error) {
      log.debug({ err: error, runId: mirrored.runId, workflowStatus: status }, 'querying a closed run failed; using the mirrored state');
    }
    if (latest.status !== 'running') return latest;
    return closeRun(latest, status, description.closeTime?.getTime() ?? Date.now());
  }

  /** Repairs one run if its workflow has closed and its mirror still reads `running`; returns whether it did. */
  async function repairRun(runId: string): Promise<boolean> {
    const handle = client.workflow.getHandle(runWorkflowId(runId));
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      // TODO(#4): a run whose workflow Temporal no longer has (deleted after the namespace retention) keeps reading `running`.
      log.warn({ runId }, 'the mirror shows a run as running, but Temporal has no workflow for it; leaving it as it is');
      return false;
    }
    // The newest execution is still open, or visibility lagged behind: nothing to repair.
    if (description.status.name === 'RUNNING') return false;

    const mirrored = await runs.findById(runId);
    if (!mirrored || mirrored.status !== 'running') return false;

    const state = await readFinalState(handle, description, mirrored);
    await runs.saveState(state);
    log.info(
      {
        runId,
        automationId: state.automationId,
        workflowStatus: description.status.name,
        mirroredVersion: mirrored.version,
        version: state.version,
        status: state.status,
      },
      'repaired the mirror of a run whose workflow has closed',
    );
    return true;
  }

  async function reconcileOnce(): Promise<ReconcilePass> {
    const result: ReconcilePass = { checked: 0, repaired: 0 };
    let after: string | undefined;

    for (;;) {
      const runIds = await runs.findRunningIds({ after, limit: batchSize });
      result.checked += runIds.length;

      for (const runId of await findClosed(runIds)) {
        try {
          if (await repairRun(runId)) result.repaired += 1;
        } catch (error) {
          log.warn({ err: error, runId }, 'repairing a run mirror failed; the next pass retries');
        }
      }

      if (runIds.length < batchSize) break;
      after = runIds.at(-1);
    }

    if (result.repaired > 0) log.info({ ...result }, 'reconciled the run mirror');
    else log.debug({ ...result }, 'reconciled the run mirror; nothing to repair');
    return result;
  }

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      pass = reconcileOnce().then(
        () => undefined,
        (error: unknown) => log.warn({ err: error }, 'reconciling the run mirror failed; the next pass retries'),
      );
      void pass.then(schedule);
    }, options.intervalMs);
  };

  return {
    reconcileOnce,
    start() {
      if (options.intervalMs <= 0) {
        log.info({}, 'run mirror reconciler is off');
        return;
      }
      log.info({ intervalMs: options.intervalMs }, 'run mirror reconciler started');
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}

/**
 * Closes a run whose workflow ended without recording a final status. A run
 * terminated in Temporal counts as cancelled, like one cancelled from the
 * Temporal UI; a workflow that failed or timed out fails the run. Steps still
 * open end with the run, and the version moves past the mirror's.
 */
export function closeRun(state: RunState, workflowStatus: WorkflowStatusName, closedAt: number): RunState {
  const status: Exclude<RunStatus, 'running'> =
    workflowStatus === 'TERMINATED' || workflowStatus === 'CANCELLED' ? 'cancelled' : 'failed';
  const error: StepError | null =
    status === 'cancelled'
      ? null
      : { name: 'workflow_closed', message: `the run's workflow ended in Temporal with status ${workflowStatus} before this step finished` };

  const steps = state.steps.map((step) => {
    if (step.completedAt !== null) return { ...step };
    return { ...step, status: error ? ('failed' as const) : ('skipped' as const), error, completedAt: closedAt };
  });
  return { ...state, status, steps, completedAt: closedAt, version: state.version + 1 };
}
