/**
 * Unsubscribe links, topics and contact properties through the whole
 * product: the official client, the real API, real workflows and real email
 * at the local SMTP server.
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
    .create({
      name: 'Letter',
      subject: 'Letter for {{{contact.first_name|you}}}',
      html: '<p>Hello</p><p><a href="{{{RESEND_UNSUBSCRIBE_URL}}}">Unsubscribe</a></p>',
      text: 'Hello. Unsubscribe: {{{RESEND_UNSUBSCRIBE_URL}}}',
    })
    .publish();
  expect(created.error).toBeNull();
  templateId = created.data!.id;
});

afterAll(async () => {
  await stack?.stop();
});

type StepInput = Parameters<Resend['automations']['create']>[0]['steps'][number];

/** Creates an enabled automation whose steps run one after another. */
async function createChain(eventName: string, steps: StepInput[]): Promise<string> {
  const all: StepInput[] = [{ key: 'start', type: 'trigger', config: { eventName } }, ...steps];
  const { data, error } = await resend.automations.create({
    name: eventName,
    status: 'enabled',
    steps: all,
    connections: all.slice(1).map((step, index) => ({ from: all[index]!.key, to: step.key })),
  });
  expect(error).toBeNull();
  return data!.id;
}

function sendStep(key: string, topicId?: string): StepInput {
  return { key, type: 'send_email', config: { template: { id: templateId }, ...(topicId ? { topicId } : {}) } } as StepInput;
}

async function onlyRun(automationId: string) {
  const [run] = await eventually(
    async () => (await resend.automations.runs.list({ automationId })).data?.data ?? [],
    (items) => items.length === 1,
  );
  return run!;
}

async function finishedRun(automationId: string) {
  const { id } = await onlyRun(automationId);
  return eventually(
    async () => (await resend.automations.runs.get({ automationId, runId: id })).data!,
    (run) => run.status !== 'running',
  );
}

function stepStatuses(run: { steps: Array<{ key: string; status: string }> }): Array<[string, string]> {
  return run.steps.map((step) => [step.key, step.status]);
}

async function mailTo(address: string, count = 1) {
  await eventually(
    async () => (await stack.mailbox()).filter((mail) => mail.to.includes(address)),
    (mails) => mails.length >= count,
  );
  return (await stack.mailbox()).filter((mail) => mail.to.includes(address));
}

/** Returns the path of the unsubscribe link in an email, checking it points at PUBLIC_URL. */
function unsubscribePath(html: string): string {
  const href = /href="([^"]+)"/.exec(html)?.[1];
  expect(href).toBeDefined();
  expect(href!.startsWith(`${stack.config.publicUrl}/unsubscribe/`)).toBe(true);
  return new URL(href!).pathname;
}

function oneClick(path: string) {
  return fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
}

async function isUnsubscribed(email: string): Promise<boolean> {
  return (await resend.contacts.get({ email })).data!.unsubscribed;
}

describe('unsubscribe link', () => {
  it('renders, opens, refuses tampering and unsubscribes', async () => {
    const automationId = await createChain('link.test', [sendStep('letter')]);
    await resend.events.send({ event: 'link.test', email: 'reader@example.com' });
    const [mail] = await mailTo('reader@example.com');

    const path = unsubscribePath(mail!.html!);
    const url = `${stack.config.publicUrl}${path}`;
    expect(mail!.headers['list-unsubscribe']).toBe(`<${url}>`);
    expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mail!.text).toContain(url);

    const page = await fetch(`${stack.baseUrl}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('reader@example.com');
    expect(await isUnsubscribed('reader@example.com')).toBe(false);

    const tampered = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    const refused = await oneClick(tampered);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ name: 'not_found', statusCode: 404 });
    expect(await isUnsubscribed('reader@example.com')).toBe(false);

    const accepted = await oneClick(path);
    expect(accepted.status).toBe(200);
    expect(await isUnsubscribed('reader@example.com')).toBe(true);

    const run = await finishedRun(automationId);
    expect(run.status).toBe('completed');
  });

  it('skips later email of a run whose contact unsubscribes in a delay', async () => {
    expect((await resend.contactProperties.create({ key: 'stage', type: 'string' })).error).toBeNull();
    const automationId = await createChain('midrun.test', [
      sendStep('first'),
      { key: 'wait', type: 'delay', config: { duration: '3 seconds' } },
      sendStep('second'),
      { key: 'mark', type: 'contact_update', config: { properties: { stage: 'done' } } },
    ]);
    await resend.events.send({ event: 'midrun.test', email: 'midrun@example.com' });

    const { id: runId } = await onlyRun(automationId);
    await eventually(
      async () => (await resend.automations.runs.get({ automationId, runId })).data!,
      (run) => run.steps.some((step) => step.key === 'wait' && step.status === 'waiting'),
    );
    const [first] = await mailTo('midrun@example.com');
    expect((await oneClick(unsubscribePath(first!.html!))).status).toBe(200);

    const run = await finishedRun(automationId);
    expect(run.status).toBe('skipped');
    expect(stepStatuses(run)).toEqual([
      ['start', 'completed'],
      ['first', 'completed'],
      ['wait', 'completed'],
      ['second', 'skipped'],
      ['mark', 'completed'],
    ]);
    expect(run.steps.find((step) => step.key === 'second')!.output).toEqual({ to: 'midrun@example.com', reason: 'unsubscribed' });

    const contact = await resend.contacts.get({ email: 'midrun@example.com' });
    expect(contact.data!.properties).toMatchObject({ stage: { value: 'done' } });
    const mails = (await stack.mailbox()).filter((mail) => mail.to.includes('midrun@example.com'));
    expect(mails).toHaveLength(1);
  });
});

describe('topics', () => {
  it('skips email of a topic the contact is opted out of', async () => {
    const offers = (await resend.topics.create({ name: 'Offers', defaultSubscription: 'opt_out' })).data!.id;
    const digest = (await resend.topics.create({ name: 'Digest', defaultSubscription: 'opt_in' })).data!.id;
    const automationId = await createChain('topic.test', [sendStep('offer', offers), sendStep('digest', digest)]);

    await resend.contacts.create({ email: 'default@example.com' });
    await resend.contacts.create({
      email: 'chooser@example.com',
      topics: [
        { id: offers, subscription: 'opt_in' },
        { id: digest, subscription: 'opt_out' },
      ],
    });
    await resend.events.send({ event: 'topic.test', email: 'default@example.com' });
    await resend.events.send({ event: 'topic.test', email: 'chooser@example.com' });

    // The client's run status type lacks `skipped`, so the runs are filtered here instead of by the API.
    const runs = await eventually(
      async () => (await resend.automations.runs.list({ automationId })).data?.data ?? [],
      (items) => items.length === 2 && items.every((run) => (run.status as string) === 'skipped'),
    );
    const details = await Promise.all(
      runs.map(async (item) => (await resend.automations.runs.get({ automationId, runId: item.id })).data!),
    );
    const byEmail = Object.fromEntries(
      details.map((run) => [run.steps.find((step) => step.key === 'offer')!.output!.to as string, run]),
    );

    expect(stepStatuses(byEmail['default@example.com']!)).toEqual([
      ['start', 'completed'],
      ['offer', 'skipped'],
      ['digest', 'completed'],
    ]);
    expect(byEmail['default@example.com']!.steps[1]!.output).toEqual({ to: 'default@example.com', reason: 'topic_opt_out' });
    expect(stepStatuses(byEmail['chooser@example.com']!)).toEqual([
      ['start', 'completed'],
      ['offer', 'completed'],
      ['digest', 'skipped'],
    ]);

    const [digestMail] = await mailTo('default@example.com');
    expect(digestMail!.subject).toBe('Letter for you');
    const [offerMail] = await mailTo('chooser@example.com');

    // The link of a topic email opts out of that topic only.
    expect((await oneClick(unsubscribePath(offerMail!.html!))).status).toBe(200);
    const choices = await resend.contacts.topics.list({ email: 'chooser@example.com' });
    expect(choices.data!.data.find((topic) => topic.id === offers)!.subscription).toBe('opt_out');
    expect(await isUnsubscribed('chooser@example.com')).toBe(false);
  });
});

describe('contact properties', () => {
  it('fails a contact_update step writing an undeclared property', async () => {
    const automationId = await createChain('undeclared.test', [
      { key: 'tag', type: 'contact_update', config: { properties: { unknown_key: 'x' } } },
    ]);
    await resend.events.send({ event: 'undeclared.test', email: 'undeclared@example.com' });

    const run = await finishedRun(automationId);
    expect(run.status).toBe('failed');
    const step = run.steps.find((item) => item.key === 'tag')!;
    expect(step.status).toBe('failed');
    expect(step.error).toEqual({
      name: 'property_not_declared',
      message: expect.stringContaining('contact_update property "unknown_key" is not a declared contact property'),
    });
  });
});

describe('emails', () => {
  it('lists the emails runs sent through the official client', async () => {
    await mailTo('reader@example.com');
    const listed = await resend.emails.list({ limit: 100 });
    expect(listed.error).toBeNull();
    const sent = listed.data!.data.find((email) => email.to.includes('reader@example.com'));
    expect(sent).toMatchObject({ last_event: 'sent', subject: 'Letter for you' });

    const fetched = await resend.emails.get(sent!.id);
    expect(fetched.error).toBeNull();
    expect(fetched.data).toMatchObject({ object: 'email', id: sent!.id, to: ['reader@example.com'] });
    expect(fetched.data!.html).toContain('/unsubscribe/');
  });
});
