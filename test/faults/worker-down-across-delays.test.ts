/**
 * A hundred runs (500 with FAULT_TESTS_SLOW=1) wait in a delay when the
 * worker is killed with SIGKILL. The worker comes back only after every
 * delay has ended: every run completes and sends its email exactly once.
 *
 * The events are sent before the worker starts, so all runs enter the delay
 * within the few seconds the worker needs for their first steps, however
 * slowly the events arrived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../domain/run-state.js';
import { FaultSmtpServer } from '../support/fault-smtp-server.js';
import { waitFor } from '../support/processes.js';
import { countByStatus, delayThenSendGraph, SLOW_VARIANT, startFaultStack, type FaultStack } from './fixture.js';

const RUNS = SLOW_VARIANT ? 500 : 100;
/**
 * Long enough for all runs to enter the delay before the worker is killed,
 * which the test checks instead of assuming.
 */
const DELAY = SLOW_VARIANT ? '2 minutes' : '20 seconds';
/** Events sent at once; the API starts the runs of each event before it responds. */
const SEND_CONCURRENCY = 10;

const smtp = new FaultSmtpServer();
let stack: FaultStack;

beforeAll(async () => {
  await smtp.start();
  stack = await startFaultStack({ smtpUrl: smtp.url, startWorker: false });
});

afterAll(async () => {
  await stack?.close();
  await smtp.stop();
});

function isWaiting(run: RunState): boolean {
  return run.steps.some((step) => step.key === 'wait' && step.status === 'waiting');
}

/** The latest end of a delay among the runs, from the `resume_at` the delay step records. */
function latestResumeAt(runs: RunState[]): number {
  const ends = runs.map((run) => {
    const wait = run.steps.find((step) => step.key === 'wait');
    return Date.parse(String(wait?.output?.resume_at));
  });
  return Math.max(...ends);
}

async function sendEvents(eventName: string, emails: string[]): Promise<void> {
  let next = 0;
  const sendNext = async (): Promise<void> => {
    while (next < emails.length) {
      const email = emails[next]!;
      next += 1;
      await stack.sendEvent(eventName, email);
    }
  };
  await Promise.all(Array.from({ length: SEND_CONCURRENCY }, sendNext));
}

describe('worker down while runs wait in a delay', () => {
  it('completes every run and sends each email once', { timeout: SLOW_VARIANT ? 900_000 : 300_000 }, async () => {
    const templateId = await stack.createTemplate('After the delay');
    const automationId = await stack.createAutomation({
      name: 'Delay across a worker outage',
      ...delayThenSendGraph('outage.delay', templateId, DELAY),
    });
    const emails = Array.from({ length: RUNS }, (_, i) => `outage-${i}@example.com`);

    await sendEvents('outage.delay', emails);
    await stack.worker.start();
    const waiting = await waitFor(
      `${RUNS} runs waiting in the delay`,
      () => stack.mirroredRuns(automationId),
      (runs) => runs.length === RUNS && runs.every(isWaiting),
      { timeoutMs: SLOW_VARIANT ? 300_000 : 120_000 },
    );

    await stack.worker.kill();
    // Only a valid scenario if no delay ended while the worker was still up.
    expect(smtp.attempts).toHaveLength(0);
    expect(waiting.filter(isWaiting)).toHaveLength(RUNS);

    const resumeAt = latestResumeAt(waiting);
    await waitFor('every delay to end', async () => Date.now(), (now) => now > resumeAt + 1_000, {
      timeoutMs: SLOW_VARIANT ? 300_000 : 120_000,
    });

    await stack.worker.start();
    const finished = await waitFor(
      `${RUNS} finished runs`,
      () => stack.mirroredRuns(automationId),
      (runs) => runs.length === RUNS && runs.every((run) => run.status !== 'running'),
      { timeoutMs: SLOW_VARIANT ? 600_000 : 180_000, describe: () => stack.worker.output().slice(-4_000) },
    );

    expect(countByStatus(finished)).toEqual({ completed: RUNS });
    const closed = await Promise.all(finished.map((run) => stack.closedWorkflowStatus(run.runId)));
    expect(countByStatus(closed.map((status) => ({ status })))).toEqual({ COMPLETED: RUNS });

    // Each email reached the receiver once: no attempt was a duplicate.
    expect(smtp.attempts).toHaveLength(RUNS);
    expect(smtp.delivered).toHaveLength(RUNS);
    expect(new Set(smtp.delivered.map((message) => message.messageId)).size).toBe(RUNS);
    expect(new Set(smtp.delivered.flatMap((message) => message.to))).toEqual(new Set(emails));

    const records = await Promise.all(finished.map((run) => stack.repos.emails.findByIdempotencyKey(`${run.runId}:mail`)));
    expect(records.filter((record) => record?.status === 'sent')).toHaveLength(RUNS);
  });
});
