/** /automations/:id/runs: list, read and cancel the runs of an automation. */
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { RunState } from '../../domain/run-state.js';
import type { AppEnv, Services } from '../context.js';
import { ApiError } from '../errors.js';
import { loadAutomation } from '../lookups.js';
import { listRunsQuery } from '../schemas/automations.js';
import { listResponse, toPageRequest } from '../schemas/common.js';
import { runListItem, runObject } from '../serializers/runs.js';
import { expectNoBody, parseQuery, uuidParam } from '../validation.js';

/** How long a cancel request waits for the run to report `cancelled`. */
export const CANCEL_WAIT_MS = 5_000;
const CANCEL_POLL_MS = 100;

/**
 * Reads a run from the mirror. For a run the mirror shows as running, it
 * returns the workflow's live state instead when that is at least as new.
 * A failed query only logs a warning, because the mirror is still a valid result.
 */
async function readRun(services: Services, runId: string): Promise<RunState | null> {
  const mirrored = await services.repos.runs.findById(runId);
  if (!mirrored || mirrored.status !== 'running') return mirrored;

  try {
    const live = await services.engine.getLiveState(runId);
    if (live && live.version >= mirrored.version) return live;
  } catch (error) {
    services.log.warn({ err: error, runId }, 'reading the live state of a run failed; returning the mirrored state');
  }
  return mirrored;
}

async function loadRun(c: Context<AppEnv>): Promise<RunState> {
  const automation = await loadAutomation(c);
  const runId = uuidParam(c, 'run_id');
  const run = await readRun(c.var.services, runId);
  if (!run || run.automationId !== automation.id) {
    throw ApiError.notFound(`Run ${runId} of automation ${automation.id} was not found.`);
  }
  return run;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createAutomationRunsRoutes() {
  const routes = new Hono<AppEnv>();

  routes.get('/:id/runs', async (c) => {
    const automation = await loadAutomation(c);
    const query = parseQuery(c, listRunsQuery);
    const page = await c.var.services.repos.runs.list({
      automationId: automation.id,
      statuses: query.status,
      ...toPageRequest(query),
    });
    return c.json(listResponse(page, runListItem));
  });

  routes.get('/:id/runs/:run_id', async (c) => {
    return c.json(runObject(await loadRun(c)));
  });

  /**
   * Cancels a running run and waits up to CANCEL_WAIT_MS for it to report
   * `cancelled`. If it has not by then, the response is the run as it is, still `running`.
   */
  routes.post('/:id/runs/:run_id/cancel', async (c) => {
    let run = await loadRun(c);
    await expectNoBody(c);
    if (run.status === 'cancelled') return c.json(runObject(run));
    if (run.status !== 'running') {
      throw ApiError.validation(`Run ${run.runId} has already finished with status "${run.status}" and cannot be cancelled.`);
    }

    const { services } = c.var;
    try {
      await services.engine.cancelRun(run.runId, 'run_cancelled');
    } catch (error) {
      services.log.error({ err: error, runId: run.runId }, 'failed to signal a run to cancel');
      throw ApiError.engineUnavailable('Cancelling the run failed because the workflow engine is unavailable. Retry the request.');
    }

    const deadline = Date.now() + CANCEL_WAIT_MS;
    while (run.status === 'running' && Date.now() < deadline) {
      await sleep(CANCEL_POLL_MS);
      run = (await readRun(services, run.runId)) ?? run;
    }
    if (run.status === 'running') {
      services.log.warn({ runId: run.runId }, 'run did not report cancelled within the wait; responding with its current state');
    }
    return c.json(runObject(run));
  });

  return routes;
}
