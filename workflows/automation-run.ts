/**
 * The run workflow: walks a snapshot of an automation graph from its trigger,
 * one step at a time, and keeps its state queryable and mirrored.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { findTrigger, nextStep, type Step } from '../domain/graph.js';
import type { StepError } from '../domain/run-state.js';
import { cancelRunSignal, eventReceivedSignal, runStateQuery, type RunInput } from './contract.js';
import { RunContext } from './run-context.js';
import { executeStep } from './steps/index.js';
import { StepFailure } from './steps/outcome.js';
import { PATCH } from './versions.js';

export async function automationRun(input: RunInput): Promise<RunContext['state']> {
  const run = new RunContext(input);
  setHandler(runStateQuery, () => run.state);
  setHandler(cancelRunSignal, () => {
    run.cancelRequested = true;
  });
  setHandler(eventReceivedSignal, (signal) => run.offerEvent(signal));

  try {
    await walkGraph(run);
  } catch (err) {
    // `handle.cancel()` from an operator: record the run as cancelled, then let Temporal close it as Canceled.
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      markInterruptedStep(run);
      run.finishRun('cancelled');
      await run.persist();
    });
    throw err;
  }

  if (run.state.status === 'failed') {
    const failed = run.state.steps.find((step) => step.status === 'failed');
    // Failing the execution shows the run as Failed in the Temporal Web UI; the state stays queryable.
    throw ApplicationFailure.nonRetryable(
      `step "${failed?.key}" failed: ${failed?.error?.message}`,
      failed?.error?.name ?? 'step_failed',
    );
  }
  return run.state;
}

async function walkGraph(run: RunContext): Promise<void> {
  const graph = run.input.graph;
  let step: Step | undefined = findTrigger(graph);

  while (step) {
    if (run.cancelRequested) break;
    const entry = run.startStep(step);
    let follow;
    try {
      const outcome = await executeStep(run, step, entry);
      run.finishStep(entry, outcome.status, outcome.output);
      follow = outcome.follow;
    } catch (err) {
      if (isCancellation(err)) throw err;
      run.finishStep(entry, 'failed', null, toStepError(err));
      run.finishRun('failed');
      await run.persist();
      return;
    }
    const previous = step;
    step = follow === null ? undefined : nextStep(graph, step.key, follow);
    // The last step's state is written together with the run's final status below.
    if (step && !run.cancelRequested && writesMirrorBetween(previous, step)) await run.persist();
  }

  let status: 'cancelled' | 'skipped' | 'completed' = 'completed';
  if (run.cancelRequested) status = 'cancelled';
  else if (run.emailSkipped) status = 'skipped';
  run.finishRun(status);
  await run.persist();
}

const PAUSING_STEPS: ReadonlySet<Step['type']> = new Set(['delay', 'wait_for_event']);

/**
 * Returns whether the mirror is written between two steps. It is written
 * after the trigger, so that the run is listed from its start, and after a
 * step that paused the run.
 * A step that pauses the run writes the mirror itself once it waits, so no
 * write comes before it. Between steps that run straight through there is
 * none either, because the API reads the steps of a run in progress from the
 * workflow query. The run's end is always written.
 */
function writesMirrorBetween(previous: Step, next: Step): boolean {
  const afterStartOrPause = previous.type === 'trigger' || PAUSING_STEPS.has(previous.type);
  if (afterStartOrPause && !PAUSING_STEPS.has(next.type)) return true;
  return !patched(PATCH.mirrorWrittenAroundPauses);
}

/** Closes a step that was still waiting when a cancel arrived as `skipped`. */
function markInterruptedStep(run: RunContext): void {
  const open = run.state.steps.filter((step) => step.completedAt === null);
  for (const entry of open) run.finishStep(entry, 'skipped', entry.output);
}

function toStepError(err: unknown): StepError {
  if (err instanceof StepFailure) return { name: err.type, message: err.message };
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return { name: err.cause.type ?? 'step_failed', message: err.cause.message };
  }
  if (err instanceof ActivityFailure && err.cause) {
    return { name: 'step_failed', message: err.cause.message };
  }
  return { name: 'step_failed', message: err instanceof Error ? err.message : String(err) };
}

