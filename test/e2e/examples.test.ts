/**
 * The five example automations, end to end: the official `resend` client
 * sends events to the real API, real workflows run on the Temporal dev server,
 * and real email arrives at the local SMTP server. Delays and timeouts are
 * shortened to seconds by the loader; everything else is the example as shipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resend } from 'resend';
import { loadExamples, type LoadedExamples } from '../../scripts/load-examples.js';
import { eventually, startStack, type Stack } from '../support/stack.js';

const DELAY = '1 second';
const TIMEOUT = '4 seconds';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00$/;

let stack: Stack;
let resend: Resend;
let examples: LoadedExamples;

beforeAll(async () => {
  stack = await startStack();
  process.env.RESEND_BASE_URL = stack.baseUrl;
  resend = new Resend(stack.apiKey);
  examples = await loadExamples({
    baseUrl: stack.baseUrl,
    apiKey: stack.apiKey,
    mapDuration: (_duration, use) => (use === 'delay' ? DELAY : TIMEOUT),
  });
});

afterAll(async () => {
  await stack?.stop();
});

function automationId(name: string): string {
  const automation = examples.automations[name];
  if (!automation) throw new Error(`example automation ${name} was not loaded`);
  return automation.id;
}

async function createContact(email: string, firstName: string): Promise<string> {
  const { data, error } = await resend.contacts.create({ email, firstName });
  expect(error).toBeNull();
  return data!.id;
}

/** Waits for the automation's single run to finish and returns it as the client sees it. */
async function finishedRun(automation: string, contactId: string) {
  const id = automationId(automation);
  const runs = await eventually(
    async () => (await resend.automations.runs.list({ automationId: id })).data?.data ?? [],
    (items) => items.length > 0,
  );
  expect(runs).toHaveLength(1);
  const run = await eventually(
    async () => (await resend.automations.runs.get({ automationId: id, runId: runs[0]!.id })).data!,
    (value) => value.status !== 'running',
  );
  expect((run as unknown as { contact_id: string }).contact_id).toBe(contactId);
  return run;
}

interface ClientRunStep {
  key: string;
  status: string;
  output: Record<string, unknown> | null;
  started_at: string | null;
  completed_at: string | null;
}

function stepsByKey(run: { steps: ClientRunStep[] }): Record<string, ClientRunStep> {
  return Object.fromEntries(run.steps.map((step) => [step.key, step]));
}

/** Parses the API's `2026-10-01 12:00:00.000000+00` timestamps. */
function parseTimestamp(value: string | null): number {
  if (value === null) throw new Error('timestamp is null');
  return Date.parse(value.replace(' ', 'T').replace('+00', 'Z'));
}

function mailTo(messages: Awaited<ReturnType<Stack['mailbox']>>, address: string) {
  return messages.filter((message) => message.to.includes(address));
}

describe('welcome email example', () => {
  it('sends the rendered welcome email once', async () => {
    const contactId = await createContact('ada@example.com', 'Ada');
    const sent = await resend.events.send({
      event: 'user.created',
      email: 'ada@example.com',
      payload: { product: 'Orbit', dashboard_url: 'https://orbit.example.com/home' },
    });
    expect(sent.error).toBeNull();
    expect(sent.data).toEqual({ object: 'event', event: 'user.created' });

    const run = await finishedRun('welcome', contactId);
    expect(run.object).toBe('automation_run');
    expect(run.status).toBe('completed');
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['send_welcome', 'completed'],
    ]);
    for (const step of run.steps) {
      expect(step.started_at).toMatch(TIMESTAMP);
      expect(step.completed_at).toMatch(TIMESTAMP);
      expect(step.error).toBeNull();
    }
    expect(run.started_at).toMatch(TIMESTAMP);
    expect(run.completed_at).toMatch(TIMESTAMP);

    const send = stepsByKey(run).send_welcome!;
    expect(send.output?.to).toBe('ada@example.com');
    expect(send.output?.template).toEqual({
      id: examples.templates.welcome,
      variables: { PRODUCT: 'Orbit', DASHBOARD_URL: 'https://orbit.example.com/home' },
    });

    const [mail, ...others] = mailTo(await stack.waitForMail(1), 'ada@example.com');
    expect(others).toHaveLength(0);
    expect(mail!.subject).toBe('Welcome to Orbit, Ada!');
    expect(mail!.html).toBe(
      '<h1>Welcome, Ada!</h1><p>Thanks for signing up for Orbit. Your workspace is ready.</p>' +
        '<p><a href="https://orbit.example.com/home">Open your dashboard</a></p>',
    );
    expect(mail!.text?.trim()).toBe(
      'Welcome, Ada! Thanks for signing up for Orbit. Open your dashboard: https://orbit.example.com/home',
    );
    const stored = await stack.emails.findById(send.output?.email_id as string);
    expect(stored?.status).toBe('sent');
    expect(stored?.message_id).toBe(mail!.messageId);
  });
});

describe('drip series example', () => {
  it('sends three emails separated by the delays', async () => {
    const contactId = await createContact('grace@example.com', 'Grace');
    await resend.events.send({ event: 'user.onboarding_started', contactId });

    const run = await finishedRun('drip-series', contactId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((step) => step.key)).toEqual(['start', 'day_0', 'wait_2_days', 'day_2', 'wait_3_days', 'day_5']);
    expect(run.steps.every((step) => step.status === 'completed')).toBe(true);

    const steps = stepsByKey(run);
    for (const key of ['wait_2_days', 'wait_3_days']) {
      const waited = parseTimestamp(steps[key]!.completed_at) - parseTimestamp(steps[key]!.started_at);
      expect(waited).toBeGreaterThanOrEqual(1000);
    }

    const mails = mailTo(await stack.waitForMail(3), 'grace@example.com');
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Step 1: set up your first project',
      'Step 2: invite your team',
      'Step 3: automate the boring parts',
    ]);
    expect(mails[2]!.text?.trim()).toBe(
      'Hi Grace, you have been with us for 5 days. Time to set up your first automation.',
    );
  });
});

describe('payment recovery example', () => {
  it('thanks a contact whose payment succeeds while the run waits', async () => {
    const contactId = await createContact('linus@example.com', 'Linus');
    await resend.events.send({
      event: 'payment.failed',
      contactId,
      payload: { amount: '$49.00', invoice_id: 'INV-1001' },
    });
    const id = automationId('payment-recovery');
    const waiting = await eventually(
      async () => {
        const list = (await resend.automations.runs.list({ automationId: id })).data?.data ?? [];
        if (list.length === 0) return null;
        return (await resend.automations.runs.get({ automationId: id, runId: list[0]!.id })).data;
      },
      (run) => run?.steps.some((step) => step.key === 'wait_for_payment' && step.status === 'waiting') ?? false,
    );
    expect(waiting!.status).toBe('running');

    await resend.events.send({ event: 'payment.succeeded', contactId, payload: { amount: '$49.00' } });
    const run = await finishedRun('payment-recovery', contactId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['notify_failure', 'completed'],
      ['wait_for_payment', 'completed'],
      ['thank_you', 'completed'],
    ]);
    expect(stepsByKey(run).wait_for_payment!.output).toMatchObject({
      event_name: 'payment.succeeded',
      payload: { amount: '$49.00' },
    });

    const mails = mailTo(await stack.waitForMail(2), 'linus@example.com');
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Your payment of $49.00 failed',
      'Thanks, your payment went through',
    ]);
    expect(mails[1]!.text?.trim()).toBe('Hi Linus, your payment of $49.00 succeeded. Nothing else to do.');
  });

  it('sends the final notice and marks the contact past due on timeout', async () => {
    const contactId = await createContact('margaret@example.com', 'Margaret');
    await resend.events.send({
      event: 'payment.failed',
      email: 'margaret@example.com',
      payload: { amount: '$99.00', invoice_id: 'INV-2002' },
    });

    const id = automationId('payment-recovery');
    const runs = await eventually(
      async () => (await resend.automations.runs.list({ automationId: id })).data?.data ?? [],
      (items) => items.length === 2,
    );
    const run = await eventually(
      async () => (await resend.automations.runs.get({ automationId: id, runId: runs[0]!.id })).data!,
      (value) => value.status !== 'running',
    );
    expect(run.status).toBe('completed');
    expect(run.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['notify_failure', 'completed'],
      ['wait_for_payment', 'completed'],
      ['final_notice', 'completed'],
      ['mark_past_due', 'completed'],
    ]);
    expect(stepsByKey(run).wait_for_payment!.output).toMatchObject({ timed_out: true });

    const contact = await resend.contacts.get({ id: contactId });
    expect(contact.data?.properties).toMatchObject({ billing_status: { value: 'past_due' } });
    const mails = mailTo(await stack.mailbox(), 'margaret@example.com');
    expect(mails.map((mail) => mail.subject)).toEqual([
      'Your payment of $99.00 failed',
      'Final notice: invoice INV-2002 is past due',
    ]);
  });
});

describe('abandoned cart example', () => {
  it('offers a discount for a big cart and a reminder for a small one', async () => {
    const bigId = await createContact('alan@example.com', 'Alan');
    const smallId = await createContact('barbara@example.com', 'Barbara');
    await resend.events.send({ event: 'cart.abandoned', contactId: bigId, payload: { cart_total: 150, item_count: 3 } });
    await resend.events.send({ event: 'cart.abandoned', contactId: smallId, payload: { cart_total: 20 } });

    const id = automationId('abandoned-cart');
    const runs = await eventually(
      async () => (await resend.automations.runs.list({ automationId: id, status: 'completed' })).data?.data ?? [],
      (items) => items.length === 2,
    );
    const details = await Promise.all(
      runs.map(async (item) => (await resend.automations.runs.get({ automationId: id, runId: item.id })).data!),
    );
    const byContact = Object.fromEntries(
      details.map((run) => [(run as unknown as { contact_id: string }).contact_id, run]),
    );
    expect(byContact[bigId]!.steps.map((step) => step.key)).toEqual(['start', 'wait_1_hour', 'big_cart', 'send_discount']);
    expect(stepsByKey(byContact[bigId]!).big_cart!.output).toEqual({ result: true });
    expect(byContact[smallId]!.steps.map((step) => step.key)).toEqual(['start', 'wait_1_hour', 'big_cart', 'send_reminder']);
    expect(stepsByKey(byContact[smallId]!).big_cart!.output).toEqual({ result: false });

    const big = mailTo(await stack.waitForMail(1), 'alan@example.com');
    expect(big.map((mail) => mail.subject)).toEqual(['You left 3 items behind: here is 10% off']);
    expect(big[0]!.text?.trim()).toBe('Hi Alan, your cart worth 150 is waiting. Use code COMEBACK10 for 10% off.');
    const small = mailTo(await stack.mailbox(), 'barbara@example.com');
    expect(small.map((mail) => mail.subject)).toEqual(['Your cart is waiting']);
  });
});

describe('trial expiration example', () => {
  it('warns, ends the trial, and moves the contact to the expired segment', async () => {
    const contactId = await createContact('edsger@example.com', 'Edsger');
    await resend.events.send({ event: 'trial.started', contactId, payload: { plan: 'Team' } });

    const run = await finishedRun('trial-expiration', contactId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((step) => step.key)).toEqual([
      'start',
      'wait_11_days',
      'warn_trial_ending',
      'wait_3_days',
      'trial_ended',
      'mark_expired',
      'add_to_expired',
    ]);
    const mails = mailTo(await stack.waitForMail(2), 'edsger@example.com');
    expect(mails.map((mail) => mail.subject)).toEqual(['Your Team trial ends in 3 days', 'Your Team trial has ended']);

    const segmentId = examples.segments['Trial expired']!;
    expect(stepsByKey(run).add_to_expired!.output).toEqual({ segment_id: segmentId });
    const segments = await resend.contacts.segments.list({ contactId });
    expect(segments.data?.data.map((segment) => segment.id)).toEqual([segmentId]);
    const contact = await resend.contacts.get({ id: contactId });
    expect(contact.data?.properties).toMatchObject({ plan: { value: 'expired' } });
  });
});
