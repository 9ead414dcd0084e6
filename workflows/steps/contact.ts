import type { Step } from '../../domain/graph.js';
import { contactActivities } from '../activities.js';
import type { RunContext } from '../run-context.js';
import type { StepOutcome } from './outcome.js';

type ContactUpdateStep = Extract<Step, { type: 'contact_update' }>;
type AddToSegmentStep = Extract<Step, { type: 'add_to_segment' }>;

export async function runContactUpdate(run: RunContext, step: ContactUpdateStep): Promise<StepOutcome> {
  const result = await contactActivities.updateContact({
    contactId: run.state.contactId,
    config: step.config,
    context: { event: run.input.trigger.payload, waitEvents: run.waitEvents },
  });
  return { status: 'completed', output: result.updated, follow: 'default' };
}

/** Deletes the contact; the run ends after this step because no contact is left to act on. */
export async function runContactDelete(run: RunContext): Promise<StepOutcome> {
  const result = await contactActivities.deleteContact({ contactId: run.state.contactId });
  return { status: 'completed', output: result, follow: null };
}

export async function runAddToSegment(run: RunContext, step: AddToSegmentStep): Promise<StepOutcome> {
  const result = await contactActivities.addToSegment({
    contactId: run.state.contactId,
    segmentId: step.config.segment_id,
  });
  return { status: 'completed', output: result, follow: 'default' };
}
