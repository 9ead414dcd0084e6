/**
 * The baseline for the run-overhead benchmark: a workflow that calls one
 * no-op activity per step of the benchmarked automation, and nothing else.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities.js';

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

export interface BareRunInput {
  steps: number;
}

export async function bareRun(input: BareRunInput): Promise<void> {
  for (let step = 0; step < input.steps; step += 1) {
    await noop({ step });
  }
}
