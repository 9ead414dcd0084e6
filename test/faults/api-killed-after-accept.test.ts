/**
 * The API process killed with SIGKILL right after it responded 202 to
 * POST /events/send. The runs were started in Temporal before the response,
 * so they exist and complete without the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../../domain/run-state.js';
import { FaultSmtpServer } from '../support/fault-smtp-server.js';
import { waitFor } from '../support/processes.js';
import { sendOnlyGraph, startFaultStack, type FaultStack } from './fixture.js';

const smtp = new FaultSmtpServer();
let stack: FaultStack;
let templateId: string;

beforeAll(async () => {
  await smtp.start();
  stack = await startFaultStack({ smtpUrl: smtp.url });
  templateId = await stack.createTemplate('Accepted');
});

afterAll(async () => {
  await stack?.close();
  await smtp.stop();
});

/** Creates two enabled automations triggered by `eventName`, so one event starts two runs. */
async function createTwoAutomations(eventName: string): Promise<string[]> {
  const ids: string[] = [];
  for (const name of ['first', 'second']) {
    ids.push(await stack.createAutomation({ name: `${eventName} ${name}`, ...sendOnlyGraph(eventName, templateId) }));
  }
  return ids;
}

/** POSTs an event straight to the API process, without waiting for anything but the status line. */
function postEvent(event: string, email: string, idempotencyKey?: string): Promise<Response> {
  return fetch(`${stack.api.baseUrl}/events/send`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${stack.api.apiKey}`,
      'Content-Type': 'application/json',
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    },
    body: JSON.stringify({ event, email }),
  });
}

/** Lists the ids of a contact's run workflows from Temporal's visibility store. */
async function workflowIdsOfContact(contactId: string): Promise<string[]> {
  const ids: string[] = [];
  const query = `ContactId = '${contactId}' AND TaskQueue = '${stack.env.temporalTaskQueue}'`;
  for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

/** Waits until the contact's mirrored runs of the automations have all finished, and returns them. */
async function finishedRunsOf(automationIds: string[], contactId: string, expected: number): Promise<RunState[]> {
  return waitFor(
    `${expected} finished runs of contact ${contactId}`,
    async () => {
      const runs = (await Promise.all(automationIds.map((id) => stack.mirroredRuns(id)))).flat();
      return runs.filter((run) => run.contactId === contactId);
    },
    (runs) => runs.length === expected && runs.every((run) => run.status !== 'running'),
    { timeoutMs: 90_000, describe: () => stack.worker.output().slice(-4_000) },
  );
}

async function contactIdOf(email: string): Promise<string> {
  const contact = await stack.repos.contacts.findByEmail(email);
  if (!contact) throw new Error(`contact ${email} was not found`);
  return contact._id;
}

describe('API killed right after 202', () => {
  it('completes the runs the event started', async () => {
    const automationIds = await createTwoAutomations('accepted.single');
    const email = 'accepted-single@example.com';

    const response = await postEvent('accepted.single', email);
    expect(response.status).toBe(202);
    await stack.api.process.kill();

    const contactId = await contactIdOf(email);
    const workflowIds = await waitFor('two run workflows in Temporal', () => workflowIdsOfContact(contactId), (ids) =>
      ids.length >= 2,
    );
    expect(workflowIds).toHaveLength(2);

    const runs = await finishedRunsOf(automationIds, contactId, 2);
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
    for (const run of runs) expect(await stack.closedWorkflowStatus(run.runId)).toBe('COMPLETED');
    expect(smtp.deliveredTo(email)).toHaveLength(2);

    await stack.api.process.start();
  });

  it('starts each run once when interrupted requests are retried', async () => {
    const automationIds = await createTwoAutomations('accepted.burst');
    const emails = Array.from({ length: 8 }, (_, i) => `accepted-burst-${i}@example.com`);
    const keys = emails.map((email) => `burst-${email}`);

    // Kill the API as soon as the first of the concurrent requests gets its 202.
    let killed: Promise<void> | undefined;
    const first = await Promise.allSettled(
      emails.map(async (email, i) => {
        const response = await postEvent('accepted.burst', email, keys[i]);
        if (response.status === 202) killed ??= stack.api.process.kill();
        return response.status;
      }),
    );
    await killed;
    const accepted = first.filter((outcome) => outcome.status === 'fulfilled' && outcome.value === 202).length;
    expect(accepted).toBeGreaterThanOrEqual(1);

    // A client retries every request that got no 202, with the same Idempotency-Key.
    await stack.api.process.start();
    for (const [i, outcome] of first.entries()) {
      if (outcome.status === 'fulfilled' && outcome.value === 202) continue;
      const retried = await postEvent('accepted.burst', emails[i]!, keys[i]);
      expect(retried.status).toBe(202);
    }

    for (const email of emails) {
      const contactId = await contactIdOf(email);
      const runs = await finishedRunsOf(automationIds, contactId, 2);
      expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);
      expect(await workflowIdsOfContact(contactId)).toHaveLength(2);
      expect(smtp.deliveredTo(email)).toHaveLength(2);
    }
    expect(smtp.delivered.filter((message) => message.to.some((to) => emails.includes(to)))).toHaveLength(16);
  });
});
