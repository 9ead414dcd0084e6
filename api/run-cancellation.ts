/**
 * Cancelling every run of an automation that is still in progress, for stop
 * and delete. The mirror and Temporal visibility each may lag behind, so the
 * union of both is signalled.
 */
import type { CancelSignal } from '../workflows/contract.js';
import type { Services } from './context.js';
import { forEachWithConcurrency } from './concurrency.js';
import { ApiError } from './errors.js';

/** Signals sent at once; bounds the load a stop of a large automation puts on Temporal. */
export const CANCEL_CONCURRENCY = 20;

/** Signals cancellation to every open run of the automation and returns how many were signalled. */
export async function cancelOpenRuns(
  services: Pick<Services, 'repos' | 'engine' | 'log'>,
  automationId: string,
  reason: CancelSignal['reason'],
): Promise<number> {
  const { repos, engine, log } = services;
  const mirrored = await repos.runs.findRunningIdsByAutomation(automationId);
  try {
    const open = await engine.listOpenRunIds(automationId);
    const runIds = [...new Set([...mirrored, ...open])];
    await forEachWithConcurrency(runIds, CANCEL_CONCURRENCY, async (runId) => {
      await engine.cancelRun(runId, reason);
    });
    log.info({ automationId, runs: runIds.length, reason }, 'cancelled the open runs of an automation');
    return runIds.length;
  } catch (error) {
    log.error({ err: error, automationId, reason }, 'failed to cancel the open runs of an automation');
    throw ApiError.engineUnavailable(
      'The automation is disabled, but cancelling its runs failed because the workflow engine is unavailable. Retry the request.',
    );
  }
}
