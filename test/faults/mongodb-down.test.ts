/**
 * MongoDB down while runs progress. The test's own FerretDB is killed with
 * SIGKILL and started again on the same data directory. Every mirror
 * converges to its workflow's final state and every email goes out once.
 * Then the worker's reconciler repairs mirrors made stale on purpose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../domain/run-state.js';
import { runWorkflowId } from '../../workflows/contract.js';
import { FaultSmtpServer } from '../support/fault-smtp-server.js';
import { startOwnFerretDb, waitFor, type OwnFerretDb } from '../support/processes.js';
import { countByStatus, sendOnlyGraph, SLOW_VARIANT, startFaultStack, type FaultStack } from './fixture.js';

const RUNS = 10;
/** Short, so every delay ends while MongoDB is down. */
const DELAY = '5 seconds';
/** Longer than the delay; the slow variant outlasts the 30-second maximum interval between mirror write retries. */
const OUTAGE_MS = SLOW_VARIANT ? 90_000 : 15_000;
const RECONCILE_INTERVAL_SECONDS = 2;

/** The receiver holds the reply to the first message for this address, so MongoDB can go down mid-send. */
const IN_FLIGHT_ADDRESS = 'in-flight@example.com';

const smtp: FaultSmtpServer = new FaultSmtpServer({
  onMessage: (attempt) =>
    attempt.to.includes(IN_FLIGHT_ADDRESS) && smtp.attemptsFor(IN_FLIGHT_ADDRESS).length === 1 ? 'hold' : 'accept',
});
let ferret: OwnFerretDb;
let stack: FaultStack;
let templateId: string;

beforeAll(async () => {
  await smtp.start();
  ferret = await startOwnFerretDb();
  stack = await startFaultStack({
    smtpUrl: smtp.url,
    mongodbUri: ferret.uri,
    extraEnv: { RECONCILE_INTERVAL_SECONDS: String(RECONCILE_INTERVAL_SECONDS) },
  });
  templateId = await stack.createTemplate('Mirrored');
});

afterAll(async () => {
  await stack?.close();
  await ferret?.stop();
  await smtp.stop();
});

/** `trigger -> send_email -> delay -> send_email`, in wire format. */
function twoEmailsGraph(eventName: string) {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'welcome', type: 'send_email', config: { template: { id: templateId } } },
      { key: 'wait', type: 'delay', config: { duration: DELAY } },
      { key: 'follow_up', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'wait' },
      { from: 'wait', to: 'follow_up' },
    ],
  };
}

function isWaiting(run: RunState): boolean {
  return run.steps.some((step) => step.key === 'wait' && step.status === 'waiting');
}

/** Returns the final state a closed run's workflow reports: its result, or its query for a failed one. */
async function workflowState(runId: string): Promise<RunState> {
  const handle = stack.client.workflow.getHandle(runWorkflowId(runId));
  const status = await stack.closedWorkflowStatus(runId);
  if (status === 'COMPLETED') return (await handle.result()) as RunState;
  return handle.query<RunState>('runState');
}

/** Waits for the worker to log that it repaired the run's mirror, and returns that log entry. */
async function repairLogEntry(runId: string) {
  const entries = await waitFor(
    `the reconciler to log a repair of run ${runId}`,
    async () => stack.worker.logEntries(),
    (logged) => logged.some((entry) => entry.runId === runId && entry.msg === 'repaired the mirror of a run whose workflow has closed'),
    { describe: () => stack.worker.output().slice(-4_000) },
  );
  return entries.find((entry) => entry.runId === runId && entry.msg === 'repaired the mirror of a run whose workflow has closed')!;
}

/** Overwrites the mirror of a finished run with an older version that still reads `running`, as a lost final write would leave it. */
async function makeMirrorStale(run: RunState): Promise<void> {
  const result = await stack.db.collection<{ _id: string }>('runs').updateOne(
    { _id: run.runId },
    { $set: { status: 'running', completed_at: null, duration_ms: null, version: run.version - 1 } },
  );
  expect(result.modifiedCount).toBe(1);
  expect((await stack.repos.runs.findById(run.runId))?.status).toBe('running');
}

describe('MongoDB down while runs progress', () => {
  it('converges every mirror and sends each email once', { timeout: SLOW_VARIANT ? 600_000 : 300_000 }, async () => {
    const automationId = await stack.createAutomation({ name: 'Across a MongoDB outage', ...twoEmailsGraph('outage.mongo') });
    const emails = Array.from({ length: RUNS }, (_, i) => `mongo-${i}@example.com`);
    for (const email of emails) await stack.sendEvent('outage.mongo', email);

    const waiting = await waitFor(`${RUNS} runs waiting in the delay`, () => stack.mirroredRuns(automationId), (runs) =>
      runs.length === RUNS && runs.every(isWaiting),
    );
    await ferret.kill();
    const downAt = Date.now();
    await waitFor('the outage to last', async () => Date.now(), (now) => now > downAt + OUTAGE_MS, {
      timeoutMs: OUTAGE_MS + 10_000,
    });

    // Every delay ended during the outage, so every run had to write its mirror and send its follow-up across it.
    const resumeTimes = waiting.map((run) => Date.parse(String(run.steps.find((step) => step.key === 'wait')?.output?.resume_at)));
    expect(Math.max(...resumeTimes)).toBeLessThan(Date.now());
    await ferret.start();

    const finished = await waitFor(
      `${RUNS} finished mirrors`,
      () => stack.mirroredRuns(automationId),
      (runs) => runs.length === RUNS && runs.every((run) => run.status !== 'running'),
      { timeoutMs: SLOW_VARIANT ? 300_000 : 180_000, describe: () => stack.worker.output().slice(-4_000) },
    );
    expect(countByStatus(finished)).toEqual({ completed: RUNS });

    // Each mirror equals the state its workflow returned, step by step.
    for (const mirrored of finished) {
      expect(await stack.closedWorkflowStatus(mirrored.runId)).toBe('COMPLETED');
      expect(mirrored).toEqual(await workflowState(mirrored.runId));
    }

    // The outage reached the runs: mirror writes failed while MongoDB was down and were retried.
    const failedMirrorWrites = stack.worker
      .logEntries()
      .filter((entry) => entry.component === 'temporal-sdk' && entry.activityType === 'saveRunState' && entry.level === 'warn');
    expect(failedMirrorWrites.length).toBeGreaterThan(0);

    expect(smtp.delivered).toHaveLength(2 * RUNS);
    expect(new Set(smtp.delivered.map((message) => message.messageId)).size).toBe(2 * RUNS);
    for (const email of emails) expect(smtp.deliveredTo(email)).toHaveLength(2);
  });
});

describe('MongoDB down between delivery and its record', () => {
  it('records the delivered email without sending it again', async () => {
    const automationId = await stack.createAutomation({ name: 'Down mid-send', ...sendOnlyGraph('outage.inflight', templateId) });
    await stack.sendEvent('outage.inflight', IN_FLIGHT_ADDRESS);
    await waitFor('the receiver to hold the message', async () => smtp.heldMessages(), (held) => held.length === 1);
    const [sending] = await stack.mirroredRuns(automationId);

    // Delivered while MongoDB is down: the send cannot record it and retries the write in place.
    await ferret.kill();
    smtp.releaseHeld();
    await waitFor(
      'the send to retry the record of the delivered email',
      async () => stack.worker.logEntries(),
      (entries) => entries.some((entry) => entry.runId === sending!.runId && entry.msg === 'recording a delivered email as sent failed; retrying'),
    );
    await ferret.start();

    const [run] = await waitFor(
      'the run to finish',
      () => stack.mirroredRuns(automationId),
      (runs) => runs.length === 1 && runs[0]!.status !== 'running',
      { timeoutMs: 120_000, describe: () => stack.worker.output().slice(-4_000) },
    );
    expect(run?.status).toBe('completed');
    expect(await stack.closedWorkflowStatus(run!.runId)).toBe('COMPLETED');

    // One SMTP transaction in all: the activity attempt did not fail, so nothing was sent again.
    expect(smtp.attemptsFor(IN_FLIGHT_ADDRESS).map((attempt) => attempt.outcome)).toEqual(['delivered']);
    const record = await stack.repos.emails.findByIdempotencyKey(`${run!.runId}:mail`);
    expect(record?.status).toBe('sent');
    expect(smtp.deliveredTo(IN_FLIGHT_ADDRESS)[0]?.messageId).toBe(record!.message_id);
  });
});

describe('run mirror reconciler', () => {
  it('closes the mirror of a terminated run', async () => {
    const automationId = await stack.createAutomation({
      name: 'Terminated while waiting',
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'reconcile.terminated' } },
        { key: 'wait', type: 'delay', config: { duration: '1 hour' } },
        { key: 'mail', type: 'send_email', config: { template: { id: templateId } } },
      ],
      connections: [
        { from: 'start', to: 'wait' },
        { from: 'wait', to: 'mail' },
      ],
    });
    await stack.sendEvent('reconcile.terminated', 'terminated@example.com');
    const [waiting] = await waitFor('the run to wait in its delay', () => stack.mirroredRuns(automationId), (runs) =>
      runs.length === 1 && isWaiting(runs[0]!),
    );

    // Terminating skips the workflow code, so the run never writes its final state.
    await stack.client.workflow.getHandle(runWorkflowId(waiting!.runId)).terminate('terminated by the fault test');
    expect(await stack.closedWorkflowStatus(waiting!.runId)).toBe('TERMINATED');

    const entry = await repairLogEntry(waiting!.runId);
    expect(entry.workflowStatus).toBe('TERMINATED');
    expect(entry.status).toBe('cancelled');

    const repaired = await stack.repos.runs.findById(waiting!.runId);
    expect(repaired?.status).toBe('cancelled');
    expect(repaired?.completedAt).not.toBeNull();
    expect(repaired!.version).toBeGreaterThan(waiting!.version);
    expect(repaired?.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['wait', 'skipped'],
    ]);
    expect(smtp.deliveredTo('terminated@example.com')).toHaveLength(0);
  });

  it('restores a completed run whose final write was lost', async () => {
    const automationId = await stack.createAutomation({ name: 'Lost final write', ...sendOnlyGraph('reconcile.completed', templateId) });
    await stack.sendEvent('reconcile.completed', 'lost-write@example.com');
    const [completed] = await waitFor('the run to complete', () => stack.mirroredRuns(automationId), (runs) =>
      runs.length === 1 && runs[0]!.status === 'completed',
    );
    expect(await stack.closedWorkflowStatus(completed!.runId)).toBe('COMPLETED');

    await makeMirrorStale(completed!);
    const entry = await repairLogEntry(completed!.runId);
    expect(entry.workflowStatus).toBe('COMPLETED');
    expect(entry.status).toBe('completed');

    expect(await stack.repos.runs.findById(completed!.runId)).toEqual(await workflowState(completed!.runId));
    expect(smtp.deliveredTo('lost-write@example.com')).toHaveLength(1);
  });

  it('restores a failed run from its workflow query', async () => {
    const draft = await stack.request('POST', '/templates', { name: 'Never published', subject: 'Draft', html: '<p>draft</p>' });
    expect(draft.status).toBe(201);
    const automationId = await stack.createAutomation({
      name: 'Failed run, lost final write',
      ...sendOnlyGraph('reconcile.failed', draft.body.id as string),
    });
    await stack.sendEvent('reconcile.failed', 'failed-run@example.com');
    const [failed] = await waitFor('the run to fail', () => stack.mirroredRuns(automationId), (runs) =>
      runs.length === 1 && runs[0]!.status === 'failed',
    );
    expect(await stack.closedWorkflowStatus(failed!.runId)).toBe('FAILED');

    await makeMirrorStale(failed!);
    const entry = await repairLogEntry(failed!.runId);
    expect(entry.workflowStatus).toBe('FAILED');
    expect(entry.status).toBe('failed');

    const repaired = await stack.repos.runs.findById(failed!.runId);
    expect(repaired).toEqual(await workflowState(failed!.runId));
    expect(repaired?.steps.find((step) => step.key === 'mail')?.error?.name).toBe('template_not_published');
  });
});
