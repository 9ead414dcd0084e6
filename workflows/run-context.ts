/**
 * The live state of one run inside its workflow: the steps reached so far, the
 * cancel flag and the events received while waiting.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { Step } from '../domain/graph.js';
import type { RunState, RunStatus, RunStepState, StepError, StepStatus } from '../domain/run-state.js';
import type { EventSignal, RunInput } from './contract.js';
import { mirrorActivities } from './activities.js';
import { runStatusKey } from './search-attributes.js';

export interface EventWait {
  eventName: string;
  matches(signal: EventSignal): boolean;
}

export class RunContext {
  readonly state: RunState;
  cancelRequested = false;
  /** Event names and payloads received by `wait_for_event` steps, for `wait_events.*` variables. */
  readonly waitEvents: Record<string, Record<string, unknown>> = {};
  /** Set while a `wait_for_event` step waits; the signal handler fills `receivedEvent`. */
  currentWait: EventWait | null = null;
  receivedEvent: EventSignal | null = null;
  /** Event ids already consumed, so a re-delivered signal is not counted twice. */
  private readonly seenEventIds = new Set<string>();
  emailSkipped = false;
  /** Whether a mirror write of this run has completed, so later writes update rather than insert. */
  private mirrored = false;
  /** Whether the graph has a wait_for_event step, so that events sent for the contact must find this run. */
  readonly receivesEvents: boolean;

  constructor(readonly input: RunInput) {
    this.receivesEvents = input.graph.steps.some((step) => step.type === 'wait_for_event');
    this.state = {
      runId: input.runId,
      automationId: input.automationId,
      contactId: input.contactId,
      status: 'running',
      trigger: input.trigger,
      steps: [],
      createdAt: input.createdAt,
      startedAt: Date.now(),
      completedAt: null,
      version: 1,
    };
  }

  /** Starts accepting events for a `wait_for_event` step. */
  beginWait(wait: EventWait): void {
    this.currentWait = wait;
    this.receivedEvent = null;
  }

  /** Stops accepting events and returns the one received, if any. */
  endWait(): EventSignal | null {
    const received = this.receivedEvent;
    this.currentWait = null;
    this.receivedEvent = null;
    return received;
  }

  /** Records a signalled event if the current wait accepts it. */
  offerEvent(signal: EventSignal): void {
    if (this.seenEventIds.has(signal.eventId)) return;
    const wait = this.currentWait;
    if (!wait || this.receivedEvent || signal.event !== wait.eventName || !wait.matches(signal)) return;
    this.seenEventIds.add(signal.eventId);
    this.receivedEvent = signal;
  }

  startStep(step: Step, status: StepStatus = 'running'): RunStepState {
    const now = Date.now();
    const entry: RunStepState = {
      key: step.key,
      type: step.type,
      status,
      output: null,
      error: null,
      createdAt: now,
      startedAt: now,
      completedAt: null,
    };
    this.state.steps.push(entry);
    this.touch();
    return entry;
  }

  setStepStatus(entry: RunStepState, status: StepStatus): void {
    entry.status = status;
    this.touch();
  }

  finishStep(
    entry: RunStepState,
    status: Extract<StepStatus, 'completed' | 'skipped' | 'failed'>,
    output: Record<string, unknown> | null,
    error: StepError | null = null,
  ): void {
    entry.status = status;
    entry.output = output;
    entry.error = error;
    entry.completedAt = Date.now();
    this.touch();
  }

  finishRun(status: Exclude<RunStatus, 'running'>): void {
    this.state.status = status;
    this.state.completedAt = Date.now();
    this.touch();
    upsertSearchAttributes([{ key: runStatusKey, value: status }]);
  }

  /** Writes the current state to the MongoDB mirror. */
  async persist(): Promise<void> {
    await mirrorActivities.saveRunState({
      state: structuredCloneState(this.state),
      receivesEvents: this.receivesEvents,
      firstWrite: !this.mirrored,
    });
    this.mirrored = true;
  }

  private touch(): void {
    this.state.version += 1;
  }
}

function structuredCloneState(state: RunState): RunState {
  return { ...state, steps: state.steps.map((step) => ({ ...step })) };
}
