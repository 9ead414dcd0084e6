/**
 * A Temporal dev server of this test's own, killed with SIGKILL while runs
 * wait in a delay and started again on the same SQLite file. The worker and
 * the API reconnect by themselves, and every run continues and completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../domain/run-state.js';
import { FaultSmtpServer } from '../support/fault-smtp-server.js';
import { startOwnTemporal, waitFor, type OwnTemporal } from '../support/processes.js';
import { countByStatus, delayThenSendGraph, SLOW_VARIANT, startFaultStack, type FaultStack } from './fixture.js';

const RUNS = 20;
/** Long enough for every run to be waiting when Temporal goes down. */
const DELAY = '20 seconds';
/** How long Temporal stays down. */
const OUTAGE_MS = SLOW_VARIANT ? 60_000 : 5_000;

const smtp = new FaultSmtpServer();
let temporal: OwnTemporal;
let stack: FaultStack;

beforeAll(async () => {
  await smtp.start();
  temporal = await startOwnTemporal();
  stack = await startFaultStack({ smtpUrl: smtp.url, temporalAddress: temporal.address });
});

afterAll(async () => {
  await stack?.close();
  await temporal?.stop();
  await smtp.stop();
});

function isWaiting(run: RunState): boolean {
  return run.steps.some((step) => step.key === 'wait' && step.status === 'waiting');
}

async function waitForFinishedRuns(automationId: string, count: number): Promise<RunState[]> {
  return waitFor(
    `${count} finished runs`,
    () => stack.mirroredRuns(automationId),
    (runs) => runs.length === count && runs.every((run) => run.status !== 'running'),
    { timeoutMs: 180_000, describe: () => stack.worker.output().slice(-4_000) },
  );
}

describe('Temporal restarted while runs wait', () => {
  it('continues every waiting run after the restart', { timeout: 400_000 }, async () => {
    const templateId = await stack.createTemplate('After the restart');
    const automationId = await stack.createAutomation({
      name: 'Delay across a Temporal restart',
      ...delayThenSendGraph('restart.delay', templateId, DELAY),
    });
    const emails = Array.from({ length: RUNS }, (_, i) => `restart-${i}@example.com`);
    for (const email of emails) await stack.sendEvent('restart.delay', email);

    await waitFor(`${RUNS} runs waiting in the delay`, () => stack.mirroredRuns(automationId), (runs) =>
      runs.length === RUNS && runs.every(isWaiting),
    );
    const workerPid = stack.worker.pid();

    await temporal.kill();
    const outageEnd = Date.now() + OUTAGE_MS;
    // No delay had ended yet, so every run was still waiting when Temporal went down.
    expect(smtp.attempts).toHaveLength(0);
    await waitFor('the outage to last', async () => Date.now(), (now) => now > outageEnd, { timeoutMs: OUTAGE_MS + 10_000 });
    await temporal.start();

    const finished = await waitForFinishedRuns(automationId, RUNS);
    expect(countByStatus(finished)).toEqual({ completed: RUNS });
    const closed = await Promise.all(finished.map((run) => stack.closedWorkflowStatus(run.runId)));
    expect(countByStatus(closed.map((status) => ({ status })))).toEqual({ COMPLETED: RUNS });
    expect(smtp.delivered).toHaveLength(RUNS);
    expect(new Set(smtp.delivered.map((message) => message.messageId)).size).toBe(RUNS);

    // The same worker process carried on: it reconnected instead of being restarted.
    expect(stack.worker.isRunning()).toBe(true);
    expect(stack.worker.pid()).toBe(workerPid);

    // The API reconnected too: a new event starts a run that completes.
    await stack.sendEvent('restart.delay', 'after-restart@example.com');
    const all = await waitForFinishedRuns(automationId, RUNS + 1);
    expect(countByStatus(all)).toEqual({ completed: RUNS + 1 });
    expect(smtp.deliveredTo('after-restart@example.com')).toHaveLength(1);
  });
});
