/**
 * Run control through the official client and the HTTP API: stopping an
 * automation, cancelling runs, listing runs page by page, auth and validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import { eventually, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let resend: Resend;
let templateId: string;

beforeAll(async () => {
  stack = await startStack();
  process.env.RESEND_BASE_URL = stack.baseUrl;
  resend = new Resend(stack.apiKey);
  const created = await resend.templates
    .create({ name: 'Ping', subject: 'Ping for {{{contact.first_name|you}}}', html: '<p>ping</p>' })
    .publish();
  expect(created.error).toBeNull();
  templateId = created.data!.id;
});

afterAll(async () => {
  await stack?.stop();
});

/** trigger -> delay -> send_email, enabled. */
async function createDelayedAutomation(eventName: string, duration: string): Promise<string> {
  const { data, error } = await resend.automations.create({
    name: `Delayed ${eventName}`,
    status: 'enabled',
    steps: [
      { key: 'start', type: 'trigger', config: { eventName } },
      { key: 'wait', type: 'delay', config: { duration } },
      { key: 'ping', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [
      { from: 'start', to: 'wait' },
      { from: 'wait', to: 'ping' },
    ],
  });
  expect(error).toBeNull();
  return data!.id;
}

async function listAllRuns(automationId: string, status?: string) {
  const response = await fetch(
    `${stack.baseUrl}/automations/${automationId}/runs?limit=100${status ? `&status=${status}` : ''}`,
    { headers: { Authorization: `Bearer ${stack.apiKey}` } },
  );
  return ((await response.json()) as { data: { id: string; status: string }[] }).data;
}

async function post(path: string) {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.apiKey}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as { object?: string; status?: string; name?: string; statusCode?: number },
  };
}

async function waitForDelay(automationId: string, count: number) {
  const runs = await eventually(() => listAllRuns(automationId), (items) => items.length === count);
  for (const run of runs) {
    await eventually(
      async () => (await resend.automations.runs.get({ automationId, runId: run.id })).data!,
      (value) => value.steps.some((step) => step.key === 'wait' && step.status === 'waiting'),
    );
  }
  return runs;
}

describe('stopping an automation', () => {
  it('cancels every run waiting in a delay and sends no further email', async () => {
    const automationId = await createDelayedAutomation('stop.test', '5 seconds');
    for (let i = 0; i < 3; i += 1) {
      await resend.events.send({ event: 'stop.test', email: `stop-${i}@example.com` });
    }
    await waitForDelay(automationId, 3);

    const stopped = await resend.automations.stop(automationId);
    expect(stopped.data).toEqual({ object: 'automation', id: automationId, status: 'disabled' });

    const runs = await eventually(
      () => listAllRuns(automationId),
      (items) => items.every((run) => run.status === 'cancelled'),
      15_000,
    );
    expect(runs.map((run) => run.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const detail = (await resend.automations.runs.get({ automationId, runId: runs[0]!.id })).data!;
    expect(detail.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['wait', 'skipped'],
    ]);

    // Past the delay's end, still no mail: the timers were cancelled, not left to fire.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const mails = (await stack.mailbox()).filter((mail) => mail.to.some((to) => to.startsWith('stop-')));
    expect(mails).toHaveLength(0);

    const automation = await resend.automations.get(automationId);
    expect(automation.data?.status).toBe('disabled');
    await resend.events.send({ event: 'stop.test', email: 'stop-late@example.com' });
    expect(await listAllRuns(automationId)).toHaveLength(3);
  });
});

describe('cancelling a run', () => {
  it('cancels a waiting run, accepts a second cancel and refuses a finished run', async () => {
    const automationId = await createDelayedAutomation('cancel.test', '30 minutes');
    await resend.events.send({ event: 'cancel.test', email: 'cancel-me@example.com' });
    const [waiting] = await waitForDelay(automationId, 1);

    const first = await post(`/automations/${automationId}/runs/${waiting!.id}/cancel`);
    expect(first.status).toBe(200);
    expect(first.body.object).toBe('automation_run');
    expect(first.body.status).toBe('cancelled');

    const again = await post(`/automations/${automationId}/runs/${waiting!.id}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('cancelled');

    const quick = await createDelayedAutomation('cancel.done', '1 second');
    await resend.events.send({ event: 'cancel.done', email: 'done@example.com' });
    const [finished] = await eventually(
      () => listAllRuns(quick),
      (items) => items.length === 1 && items[0]!.status === 'completed',
    );
    const refused = await post(`/automations/${quick}/runs/${finished!.id}/cancel`);
    expect(refused.status).toBe(422);
    expect(refused.body.name).toBe('validation_error');
    expect(refused.body.statusCode).toBe(422);

    const unknown = await post(`/automations/${automationId}/runs/0192f0c8-0000-7000-8000-000000000000/cancel`);
    expect(unknown.status).toBe(404);
    const malformed = await post(`/automations/${automationId}/runs/not-a-uuid/cancel`);
    expect(malformed.status).toBe(422);
    expect(malformed.body.name).toBe('invalid_parameter');
  });
});

describe('listing runs', () => {
  it('pages through more runs than one page and filters by a comma list of statuses', async () => {
    const automationId = await createDelayedAutomation('page.test', '30 minutes');
    const total = 25;
    await Promise.all(
      Array.from({ length: total }, (_, i) => resend.events.send({ event: 'page.test', email: `page-${i}@example.com` })),
    );
    const all = await eventually(() => listAllRuns(automationId), (items) => items.length === total);
    // Cancel five so the status filter has two kinds to tell apart.
    for (const run of all.slice(0, 5)) {
      const cancelled = await post(`/automations/${automationId}/runs/${run.id}/cancel`);
      expect(cancelled.status).toBe(200);
    }

    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await resend.automations.runs.list({ automationId, limit: 10, ...(after ? { after } : {}) });
      expect(page.error).toBeNull();
      seen.push(...page.data!.data.map((run) => run.id));
      pages += 1;
      if (!page.data!.has_more) break;
      after = page.data!.data.at(-1)!.id;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen).toEqual([...seen].sort().reverse());

    const back = await resend.automations.runs.list({ automationId, limit: 10, before: seen[20]! });
    expect(back.data!.data.map((run) => run.id)).toEqual(seen.slice(10, 20));
    expect(back.data!.has_more).toBe(true);

    const cancelled = await resend.automations.runs.list({ automationId, status: 'cancelled', limit: 100 });
    expect(cancelled.data!.data).toHaveLength(5);
    const both = await resend.automations.runs.list({ automationId, status: ['cancelled', 'running'], limit: 100 });
    expect(both.data!.data).toHaveLength(total);
    const running = await resend.automations.runs.list({ automationId, status: 'running', limit: 100 });
    expect(running.data!.data).toHaveLength(20);

    const bad = await fetch(`${stack.baseUrl}/automations/${automationId}/runs?status=running,bogus`, {
      headers: { Authorization: `Bearer ${stack.apiKey}` },
    });
    expect(bad.status).toBe(422);

    await resend.automations.stop(automationId);
  });
});

describe('authentication', () => {
  it('answers 401 without a key and 403 with an unknown key', async () => {
    const missing = await fetch(`${stack.baseUrl}/automations`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ name: 'missing_api_key', statusCode: 401 });

    const wrong = new Resend('re_not_a_real_key_0000000000000000');
    const { data, error } = await wrong.automations.list();
    expect(data).toBeNull();
    expect(error).toMatchObject({ name: 'invalid_api_key', statusCode: 403 });
  });
});

describe('graph validation', () => {
  it('answers 422 naming the step for an invalid graph and stores nothing', async () => {
    const before = (await resend.automations.list({ limit: 100 })).data!.data.length;
    const { data, error } = await resend.automations.create({
      name: 'Broken',
      steps: [
        { key: 'start', type: 'trigger', config: { eventName: 'broken.test' } },
        { key: 'wait', type: 'delay', config: { duration: '45 days' } },
      ],
      connections: [{ from: 'start', to: 'wait' }],
    });
    expect(data).toBeNull();
    expect(error?.statusCode).toBe(422);
    expect(error?.message).toContain('wait');
    const after = (await resend.automations.list({ limit: 100 })).data!.data.length;
    expect(after).toBe(before);
  });
});
