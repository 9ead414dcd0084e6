/**
 * SMTP failures as the worker process meets them. A permanent rejection
 * (5xx) fails the step, with the server's reply in its error, and the run.
 * A temporary one (4xx, then connection refused while the server is down)
 * is retried with backoff until the server recovers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_FAILURE } from '../../domain/step-failures.js';
import { runWorkflowId } from '../../workflows/contract.js';
import { FaultSmtpServer } from '../support/fault-smtp-server.js';
import { waitFor } from '../support/processes.js';
import { sendOnlyGraph, startFaultStack, type FaultStack } from './fixture.js';

const REJECTED_RECIPIENT = 'reject-rcpt@example.com';
const REJECTED_MESSAGE = 'reject-data@example.com';
const DEFERRED_RECIPIENT = 'deferred@example.com';

/** While true, the server replies to RCPT TO for DEFERRED_RECIPIENT with a temporary failure. */
let deferring = true;

const smtp = new FaultSmtpServer({
  onRecipient: (address) => {
    if (address === REJECTED_RECIPIENT) return { code: 550, message: '5.1.1 Recipient address rejected: user unknown' };
    if (address === DEFERRED_RECIPIENT && deferring) return { code: 451, message: '4.3.0 Mailbox busy, try again later' };
    return undefined;
  },
  onMessage: (attempt) =>
    attempt.to.includes(REJECTED_MESSAGE) ? { code: 554, message: '5.7.1 Message rejected as spam' } : 'accept',
});
let stack: FaultStack;
let templateId: string;

beforeAll(async () => {
  await smtp.start();
  stack = await startFaultStack({ smtpUrl: smtp.url });
  templateId = await stack.createTemplate('Delivery');
});

afterAll(async () => {
  await stack?.close();
  await smtp.stop();
});

/** Creates a send-only automation, sends its event to `address` and returns the automation id. */
async function sendTo(eventName: string, address: string): Promise<string> {
  const automationId = await stack.createAutomation({ name: `SMTP ${eventName}`, ...sendOnlyGraph(eventName, templateId) });
  await stack.sendEvent(eventName, address);
  return automationId;
}

async function waitForFinishedRun(automationId: string, timeoutMs = 90_000) {
  const [run] = await waitFor(
    'the run to finish',
    () => stack.mirroredRuns(automationId),
    (runs) => runs.length === 1 && runs[0]!.status !== 'running',
    { timeoutMs, describe: () => stack.worker.output().slice(-4_000) },
  );
  return run!;
}

/** Returns the last failure of the workflow's pending activity, or undefined when none is pending or none failed yet. */
async function pendingActivityFailure(runId: string): Promise<string | undefined> {
  const description = await stack.client.workflow.getHandle(runWorkflowId(runId)).describe();
  const pending = description.raw.pendingActivities ?? [];
  return pending[0]?.lastFailure?.message ?? undefined;
}

describe('permanent SMTP rejection', () => {
  it('fails the step and run on a 550 to RCPT TO', async () => {
    const run = await waitForFinishedRun(await sendTo('smtp.rcpt550', REJECTED_RECIPIENT));

    expect(run.status).toBe('failed');
    expect(await stack.closedWorkflowStatus(run.runId)).toBe('FAILED');
    const mail = run.steps.find((step) => step.key === 'mail');
    expect(mail?.status).toBe('failed');
    expect(mail?.error?.name).toBe(STEP_FAILURE.smtpRejected);
    expect(mail?.error?.message).toContain('550 5.1.1 Recipient address rejected: user unknown');

    // Not retried: one RCPT TO, and no message reached DATA.
    expect(smtp.rejectedRecipients.filter((address) => address === REJECTED_RECIPIENT)).toHaveLength(1);
    expect(smtp.attemptsFor(REJECTED_RECIPIENT)).toHaveLength(0);
  });

  it('fails the step and run on a 554 to DATA', async () => {
    const run = await waitForFinishedRun(await sendTo('smtp.data554', REJECTED_MESSAGE));

    expect(run.status).toBe('failed');
    expect(await stack.closedWorkflowStatus(run.runId)).toBe('FAILED');
    const mail = run.steps.find((step) => step.key === 'mail');
    expect(mail?.status).toBe('failed');
    expect(mail?.error?.name).toBe(STEP_FAILURE.smtpRejected);
    expect(mail?.error?.message).toContain('554 5.7.1 Message rejected as spam');

    const attempts = smtp.attemptsFor(REJECTED_MESSAGE);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['rejected']);
    expect(smtp.deliveredTo(REJECTED_MESSAGE)).toHaveLength(0);
  });
});

describe('temporary SMTP failure', () => {
  it('retries a 451 and a refused connection, then delivers once', async () => {
    const automationId = await sendTo('smtp.deferred', DEFERRED_RECIPIENT);
    await waitFor('a 451 reply to the deferred recipient', async () => smtp.rejectedRecipients, (rejected) =>
      rejected.includes(DEFERRED_RECIPIENT),
    );
    const [running] = await stack.mirroredRuns(automationId);
    expect(running?.status).toBe('running');
    const runId = running!.runId;

    // Down: the next attempt finds no server at all.
    await smtp.stop();
    const refused = await waitFor(
      'an attempt refused while the SMTP server is down',
      () => pendingActivityFailure(runId),
      (message) => message !== undefined && message.includes('ECONNREFUSED'),
    );
    expect(refused).toContain('ECONNREFUSED');

    deferring = false;
    await smtp.start();
    const run = await waitForFinishedRun(automationId);

    expect(run.status).toBe('completed');
    expect(await stack.closedWorkflowStatus(runId)).toBe('COMPLETED');
    expect(run.steps.find((step) => step.key === 'mail')?.status).toBe('completed');
    expect(smtp.rejectedRecipients.filter((address) => address === DEFERRED_RECIPIENT).length).toBeGreaterThanOrEqual(1);
    expect(smtp.deliveredTo(DEFERRED_RECIPIENT)).toHaveLength(1);
    expect(smtp.attemptsFor(DEFERRED_RECIPIENT)).toHaveLength(1);
    const record = await stack.repos.emails.findByIdempotencyKey(`${runId}:mail`);
    expect(record?.status).toBe('sent');
  });
});
