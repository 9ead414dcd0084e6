/** Runs as the API renders them, from the mirror or the workflow's live state. */
import type { RunState, RunStepState } from '../../domain/run-state.js';
import { formatNullableTimestamp, formatTimestamp } from '../../domain/time.js';

export function runListItem(run: RunState) {
  return {
    id: run.runId,
    status: run.status,
    started_at: formatNullableTimestamp(run.startedAt),
    completed_at: formatNullableTimestamp(run.completedAt),
    created_at: formatTimestamp(run.createdAt),
  };
}

function stepView(step: RunStepState) {
  return {
    key: step.key,
    type: step.type,
    status: step.status,
    output: step.output,
    error: step.error,
    started_at: formatNullableTimestamp(step.startedAt),
    completed_at: formatNullableTimestamp(step.completedAt),
    created_at: formatTimestamp(step.createdAt),
  };
}

/** Renders the full run. `automation_id`, `contact_id` and `trigger` go beyond Resend's type. */
export function runObject(run: RunState) {
  return {
    object: 'automation_run' as const,
    id: run.runId,
    automation_id: run.automationId,
    contact_id: run.contactId,
    trigger: { event: run.trigger.event, payload: run.trigger.payload },
    status: run.status,
    started_at: formatNullableTimestamp(run.startedAt),
    completed_at: formatNullableTimestamp(run.completedAt),
    created_at: formatTimestamp(run.createdAt),
    steps: run.steps.map(stepView),
  };
}
