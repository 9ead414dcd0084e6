/**
 * Input, signals and query of the run workflow. Client code imports these
 * definitions to start, signal and query runs; the workflow registers them.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AutomationGraph } from '../domain/graph.js';
import type { RunState, RunTrigger } from '../domain/run-state.js';

export interface ContactSnapshot {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  unsubscribed: boolean;
  properties: Record<string, string | number | boolean | null>;
}

export interface RunInput {
  runId: string;
  automationId: string;
  contactId: string;
  /** Epoch milliseconds at which the triggering event was accepted. */
  createdAt: number;
  trigger: RunTrigger;
  /** Snapshot of the automation graph when the event arrived; later edits never reach this run. */
  graph: AutomationGraph;
}

export interface EventSignal {
  eventId: string;
  event: string;
  payload: Record<string, unknown>;
  /** The contact as it was when the event was sent, for `contact.*` fields of a filter rule. */
  contact: ContactSnapshot;
}

export interface CancelSignal {
  reason: 'run_cancelled' | 'automation_stopped' | 'automation_deleted';
}

export const cancelRunSignal = defineSignal<[CancelSignal]>('cancelRun');
export const eventReceivedSignal = defineSignal<[EventSignal]>('eventReceived');
export const runStateQuery = defineQuery<RunState>('runState');

/** Workflow id of a run; run ids are unique, so this is unique too. */
export function runWorkflowId(runId: string): string {
  return `run-${runId}`;
}

export const AUTOMATION_RUN_WORKFLOW = 'automationRun';
