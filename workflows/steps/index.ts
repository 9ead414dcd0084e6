import type { Step } from '../../domain/graph.js';
import type { RunStepState } from '../../domain/run-state.js';
import type { RunContext } from '../run-context.js';
import { runCondition } from './condition.js';
import { runAddToSegment, runContactDelete, runContactUpdate } from './contact.js';
import type { StepOutcome } from './outcome.js';
import { runSendEmail } from './send-email.js';
import { runDelay, runWaitForEvent } from './waits.js';

/** Runs one step of any type; a new step type fails to compile until it is handled here. */
export async function executeStep(run: RunContext, step: Step, entry: RunStepState): Promise<StepOutcome> {
  switch (step.type) {
    case 'trigger':
      return {
        status: 'completed',
        output: { event: step.config.event_name, event_id: run.input.trigger.eventId },
        follow: 'default',
      };
    case 'send_email':
      return runSendEmail(run, step, entry);
    case 'delay':
      return runDelay(run, step, entry);
    case 'wait_for_event':
      return runWaitForEvent(run, step, entry);
    case 'condition':
      return runCondition(run, step);
    case 'contact_update':
      return runContactUpdate(run, step);
    case 'contact_delete':
      return runContactDelete(run);
    case 'add_to_segment':
      return runAddToSegment(run, step);
    default:
      return assertNever(step);
  }
}

function assertNever(step: never): never {
  throw new Error(`unknown step type in ${JSON.stringify(step)}`);
}
