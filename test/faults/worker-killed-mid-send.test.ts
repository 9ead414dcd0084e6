/**
 * A worker killed with SIGKILL while the SMTP server holds the final reply
 * to DATA: the send is retried by the restarted worker with the same
 * Message-ID, the receiver ends up with exactly one message, and the run
 * completes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultSmtpServer, type MessageDecision, type ReceivedAttempt } from '../support/fault-smtp-server.js';
import { waitFor } from '../support/processes.js';
import { sendOnlyGraph, startFaultStack, type FaultStack } from './fixture.js';

/** Addresses whose first message the receiver holds; the prefix picks how. */
const HOLD_PREFIX = 'hold-';
const STORE_THEN_HOLD_PREFIX = 'stored-';

const smtp = new FaultSmtpServer({ onMessage: holdFirstAttempt });
let stack: FaultStack;
let templateId: string;

/** Holds the first message to a `hold-` or `stored-` address; accepts every other message. */
function holdFirstAttempt(attempt: ReceivedAttempt): MessageDecision {
  const address = attempt.to[0] ?? '';
  const earlier = smtp.attemptsFor(address).filter((other) => other !== attempt);
  if (earlier.length > 0) return 'accept';
  if (address.startsWith(HOLD_PREFIX)) return 'hold';
  if (address.startsWith(STORE_THEN_HOLD_PREFIX)) return 'store-then-hold';
  return 'accept';
}

beforeAll(async () => {
  await smtp.start();
  stack = await startFaultStack({ smtpUrl: smtp.url });
  templateId = await stack.createTemplate('Mid-send');
});

afterAll(async () => {
  await stack?.close();
  await smtp.stop();
});

/**
 * Sends one event to `address`, kills the worker while the receiver holds the
 * reply, restarts the worker, and waits for the run to finish.
 */
async function killWorkerDuringSend(eventName: string, address: string) {
  const automationId = await stack.createAutomation({ name: `Mid-send ${eventName}`, ...sendOnlyGraph(eventName, templateId) });
  await stack.sendEvent(eventName, address);

  await waitFor('the receiver to hold the message', async () => smtp.heldMessages(), (held) =>
    held.some((attempt) => attempt.to.includes(address)),
  );
  await stack.worker.kill();
  await waitFor('the receiver to see the connection close', async () => smtp.heldMessages(), (held) => held.length === 0);
  const firstOutcome = smtp.attemptsFor(address)[0]?.outcome;

  await stack.worker.start();
  const [run] = await waitFor(
    'the run to finish after the restart',
    () => stack.mirroredRuns(automationId),
    (runs) => runs.length === 1 && runs[0]!.status !== 'running',
    { timeoutMs: 120_000, describe: () => stack.worker.output().slice(-4_000) },
  );
  return { run: run!, firstOutcome };
}

describe('worker killed while the SMTP reply is held', () => {
  it('delivers one message when the receiver discarded the dropped one', async () => {
    const address = `${HOLD_PREFIX}drop@example.com`;
    const { run, firstOutcome } = await killWorkerDuringSend('midsend.dropped', address);

    expect(firstOutcome).toBe('dropped');
    expect(run.status).toBe('completed');
    expect(await stack.closedWorkflowStatus(run.runId)).toBe('COMPLETED');

    const attempts = smtp.attemptsFor(address);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['dropped', 'delivered']);
    expect(smtp.deliveredTo(address)).toHaveLength(1);

    const record = await stack.repos.emails.findByIdempotencyKey(`${run.runId}:mail`);
    expect(record?.status).toBe('sent');
    // The retry re-sent the message recorded before delivery, Message-ID included.
    expect(new Set(attempts.map((attempt) => attempt.messageId))).toEqual(new Set([record!.message_id]));
    expect(run.steps.find((step) => step.key === 'mail')?.output?.email_id).toBe(record!._id);
  });

  it('delivers one message when the receiver stored it before the reply was lost', async () => {
    const address = `${STORE_THEN_HOLD_PREFIX}lost-reply@example.com`;
    const { run, firstOutcome } = await killWorkerDuringSend('midsend.stored', address);

    expect(firstOutcome).toBe('delivered');
    expect(run.status).toBe('completed');
    expect(await stack.closedWorkflowStatus(run.runId)).toBe('COMPLETED');

    // The retry reached the receiver again, which dropped it by its Message-ID.
    const attempts = smtp.attemptsFor(address);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['delivered', 'duplicate']);
    expect(smtp.deliveredTo(address)).toHaveLength(1);

    const record = await stack.repos.emails.findByIdempotencyKey(`${run.runId}:mail`);
    expect(record?.status).toBe('sent');
    expect(new Set(attempts.map((attempt) => attempt.messageId))).toEqual(new Set([record!.message_id]));
  });
});
