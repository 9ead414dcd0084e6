/**
 * Run and step state as the workflow keeps it, the mirror stores it and the
 * API renders it. Times are epoch milliseconds; the API formats them.
 */
import type { StepType } from './graph.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';
export type StepStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'skipped';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'cancelled', 'skipped'];

export interface StepError {
  name: string;
  message: string;
}

export interface RunStepState {
  key: string;
  type: StepType;
  status: StepStatus;
  output: Record<string, unknown> | null;
  error: StepError | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

export interface RunTrigger {
  eventId: string;
  event: string;
  payload: Record<string, unknown>;
}

export interface RunState {
  runId: string;
  automationId: string;
  contactId: string;
  status: RunStatus;
  trigger: RunTrigger;
  steps: RunStepState[];
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** Increases with every change, so the mirror can refuse stale writes. */
  version: number;
}

export function isFinished(status: RunStatus): boolean {
  return status !== 'running';
}
