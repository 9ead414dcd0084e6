import { condition } from '@temporalio/workflow';
import { MAX_DURATION_MS, parseDuration } from '../../domain/duration.js';
import type { Step } from '../../domain/graph.js';
import { evaluateRule } from '../../domain/rules.js';
import type { RunStepState } from '../../domain/run-state.js';
import type { RunContext } from '../run-context.js';
import type { StepOutcome } from './outcome.js';

type DelayStep = Extract<Step, { type: 'delay' }>;
type WaitForEventStep = Extract<Step, { type: 'wait_for_event' }>;

/** Outcome of a wait that a cancel interrupted; the run loop ends the run as cancelled. */
const INTERRUPTED: StepOutcome = { status: 'skipped', output: { interrupted: true }, follow: null };

/** Waits on a durable timer; a cancel ends the wait at once. */
export async function runDelay(run: RunContext, step: DelayStep, entry: RunStepState): Promise<StepOutcome> {
  const durationMs = parseDuration(step.config.duration);
  const resumeAt = Date.now() + durationMs;
  run.setStepStatus(entry, 'waiting');
  entry.output = { duration: step.config.duration, resume_at: new Date(resumeAt).toISOString() };
  await run.persist();

  const cancelled = await condition(() => run.cancelRequested, durationMs);
  if (cancelled) return INTERRUPTED;
  return { status: 'completed', output: { duration: step.config.duration }, follow: 'default' };
}

/**
 * Waits for the named event (matching the filter rule, if any) until the
 * timeout, then follows `event_received` or `timeout`.
 */
export async function runWaitForEvent(
  run: RunContext,
  step: WaitForEventStep,
  entry: RunStepState,
): Promise<StepOutcome> {
  const { event_name: eventName, timeout, filter_rule: filterRule } = step.config;
  const timeoutMs = timeout === undefined ? MAX_DURATION_MS : parseDuration(timeout);

  run.beginWait({
    eventName,
    matches: (signal) => {
      if (!filterRule) return true;
      try {
        return evaluateRule(filterRule, { event: signal.payload, contact: signal.contact });
      } catch {
        // A filter on a field the event lacks does not match; the wait goes on.
        return false;
      }
    },
  });
  run.setStepStatus(entry, 'waiting');
  entry.output = { event_name: eventName, timeout_at: new Date(Date.now() + timeoutMs).toISOString() };
  await run.persist();

  await condition(() => run.cancelRequested || run.receivedEvent !== null, timeoutMs);
  const received = run.endWait();

  if (received) {
    run.waitEvents[eventName] = received.payload;
    return {
      status: 'completed',
      output: { event_name: eventName, event_id: received.eventId, payload: received.payload },
      follow: 'event_received',
    };
  }
  if (run.cancelRequested) return INTERRUPTED;
  return { status: 'completed', output: { event_name: eventName, timed_out: true }, follow: 'timeout' };
}
