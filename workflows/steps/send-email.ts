import type { Step } from '../../domain/graph.js';
import type { RunStepState } from '../../domain/run-state.js';
import { mailActivities } from '../activities.js';
import type { RunContext } from '../run-context.js';
import type { StepOutcome } from './outcome.js';

type SendEmailStep = Extract<Step, { type: 'send_email' }>;

/** Sends the step's template to the contact; an unsubscribed contact makes the step `skipped`. */
export async function runSendEmail(run: RunContext, step: SendEmailStep, entry: RunStepState): Promise<StepOutcome> {
  const result = await mailActivities.sendEmail({
    runId: run.state.runId,
    automationId: run.state.automationId,
    stepKey: step.key,
    stepStartedAt: entry.startedAt ?? entry.createdAt,
    contactId: run.state.contactId,
    config: step.config,
    context: { event: run.input.trigger.payload, waitEvents: run.waitEvents },
  });

  if (result.status === 'skipped') {
    run.emailSkipped = true;
    return { status: 'skipped', output: { to: result.to, reason: result.reason }, follow: 'default' };
  }
  const { to, email_id, template } = result;
  return { status: 'completed', output: { to, email_id, template }, follow: 'default' };
}
