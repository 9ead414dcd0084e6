import { patched } from '@temporalio/workflow';
import type { Step } from '../../domain/graph.js';
import { evaluateRule, ruleReadsContact } from '../../domain/rules.js';
import { contactActivities } from '../activities.js';
import type { RunContext } from '../run-context.js';
import { PATCH } from '../versions.js';
import { StepFailure, type StepOutcome } from './outcome.js';

type ConditionStep = Extract<Step, { type: 'condition' }>;

/** Evaluates the rule tree against the trigger payload and the contact as it is now. */
export async function runCondition(run: RunContext, step: ConditionStep): Promise<StepOutcome> {
  // Runs started before the patch loaded the contact for every condition, and their histories expect that activity.
  const loadsContact = ruleReadsContact(step.config) || !patched(PATCH.conditionLoadsContactOnlyWhenRead);
  const contact = loadsContact ? await contactActivities.loadContact({ contactId: run.state.contactId }) : null;
  let met: boolean;
  try {
    met = evaluateRule(step.config, { event: run.input.trigger.payload, contact });
  } catch (err) {
    throw new StepFailure('condition_failed', err instanceof Error ? err.message : String(err));
  }
  return {
    status: 'completed',
    output: { result: met },
    follow: met ? 'condition_met' : 'condition_not_met',
  };
}
