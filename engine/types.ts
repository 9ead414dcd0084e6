import type { RunState } from '../domain/run-state.js';
import type { CancelSignal, EventSignal, RunInput } from '../workflows/contract.js';

/**
 * The API's interface to Temporal: start, signal and query runs. Every method
 * is safe to retry.
 */
export interface RunsEngine {
  /** Starts the run's workflow; starting a run that already exists is a no-op. */
  startRun(input: RunInput): Promise<void>;
  /** Signals an event to runs; runs that are not waiting for it ignore it, closed runs are skipped. */
  deliverEvent(runIds: string[], event: EventSignal): Promise<void>;
  /** Signals a run to cancel; returns false when the workflow is already closed. */
  cancelRun(runId: string, reason: CancelSignal['reason']): Promise<boolean>;
  /** Live state from the workflow query, or null when the workflow is unknown or closed. */
  getLiveState(runId: string): Promise<RunState | null>;
  /** Ids of runs whose workflows are still open for an automation, from Temporal visibility. */
  listOpenRunIds(automationId: string): Promise<string[]>;
}
