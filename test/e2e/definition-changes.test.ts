/**
 * Editing an automation while runs are in flight, through the official
 * client: each run keeps the graph it started with, and only runs started
 * after the edit use the new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import { eventually, startStack, type Stack } from '../support/stack.js';

/**
 * Long enough that the first runs are still waiting after the automation is
 * disabled, edited and enabled again (three requests), which the test checks.
 */
const V1_DELAY = '20 seconds';
const EVENT = 'plan.upgraded';

let stack: Stack;
let resend: Resend;
let v1TemplateId: string;
let v2TemplateId: string;

async function createPublishedTemplate(name: string, subject: string): Promise<string> {
  const created = await resend.templates.create({ name, subject, html: `<p>${subject}</p>` }).publish();
  expect(created.error).toBeNull();
  return created.data!.id;
}

beforeAll(async () => {
  stack = await startStack();
  process.env.RESEND_BASE_URL = stack.baseUrl;
  resend = new Resend(stack.apiKey);
  v1TemplateId = await createPublishedTemplate('Upgrade v1', 'Thanks for upgrading (version 1)');
  v2TemplateId = await createPublishedTemplate('Upgrade v2', 'Thanks for upgrading (version 2)');
});

afterAll(async () => {
  await stack?.stop();
});

async function runOf(automationId: string, runId: string) {
  const { data, error } = await resend.automations.runs.get({ automationId, runId });
  expect(error).toBeNull();
  return data!;
}

async function runIdsOf(automationId: string): Promise<string[]> {
  const { data, error } = await resend.automations.runs.list({ automationId, limit: 100 });
  expect(error).toBeNull();
  return data!.data.map((run) => run.id);
}

async function subjectsTo(address: string): Promise<Array<string | undefined>> {
  return (await stack.mailbox()).filter((mail) => mail.to.includes(address)).map((mail) => mail.subject);
}

describe('editing an automation with runs in flight', () => {
  it('keeps old runs on the old graph', async () => {
    const created = await resend.automations.create({
      name: 'Upgrade thanks',
      status: 'enabled',
      steps: [
        { key: 'start', type: 'trigger', config: { eventName: EVENT } },
        { key: 'wait', type: 'delay', config: { duration: V1_DELAY } },
        { key: 'thanks_v1', type: 'send_email', config: { template: { id: v1TemplateId } } },
      ],
      connections: [
        { from: 'start', to: 'wait' },
        { from: 'wait', to: 'thanks_v1' },
      ],
    });
    expect(created.error).toBeNull();
    const automationId = created.data!.id;

    // Version 1: two runs wait in the delay.
    for (const email of ['old-1@example.com', 'old-2@example.com']) {
      expect((await resend.events.send({ event: EVENT, email })).error).toBeNull();
    }
    const oldRunIds = await eventually(() => runIdsOf(automationId), (ids) => ids.length === 2);
    for (const runId of oldRunIds) {
      await eventually(
        () => runOf(automationId, runId),
        (run) => run.steps.some((step) => step.key === 'wait' && step.status === 'waiting'),
      );
    }

    // Version 2: disable, replace the graph (no delay, another template and step key), enable.
    expect((await resend.automations.update(automationId, { status: 'disabled' })).error).toBeNull();
    const edited = await resend.automations.update(automationId, {
      steps: [
        { key: 'start', type: 'trigger', config: { eventName: EVENT } },
        { key: 'thanks_v2', type: 'send_email', config: { template: { id: v2TemplateId } } },
      ],
      connections: [{ from: 'start', to: 'thanks_v2' }],
    });
    expect(edited.error).toBeNull();
    expect((await resend.automations.update(automationId, { status: 'enabled' })).error).toBeNull();

    // The edit happened while the old runs were in flight.
    for (const runId of oldRunIds) {
      const run = await runOf(automationId, runId);
      expect(run.status).toBe('running');
      expect(run.steps.find((step) => step.key === 'wait')?.status).toBe('waiting');
    }

    expect((await resend.events.send({ event: EVENT, email: 'new@example.com' })).error).toBeNull();
    const allRunIds = await eventually(() => runIdsOf(automationId), (ids) => ids.length === 3);
    const newRunId = allRunIds.find((id) => !oldRunIds.includes(id))!;

    const newRun = await eventually(() => runOf(automationId, newRunId), (run) => run.status !== 'running');
    expect(newRun.status).toBe('completed');
    expect(newRun.steps.map((step) => step.key)).toEqual(['start', 'thanks_v2']);

    for (const runId of oldRunIds) {
      const oldRun = await eventually(() => runOf(automationId, runId), (run) => run.status !== 'running', 60_000);
      expect(oldRun.status).toBe('completed');
      expect(oldRun.steps.map((step) => [step.key, step.status])).toEqual([
        ['start', 'completed'],
        ['wait', 'completed'],
        ['thanks_v1', 'completed'],
      ]);
    }

    await stack.waitForMail(3);
    expect(await subjectsTo('old-1@example.com')).toEqual(['Thanks for upgrading (version 1)']);
    expect(await subjectsTo('old-2@example.com')).toEqual(['Thanks for upgrading (version 1)']);
    expect(await subjectsTo('new@example.com')).toEqual(['Thanks for upgrading (version 2)']);
  });
});
