/**
 * The run workflow on Temporal's time-skipping test server: days of delay pass
 * in milliseconds. Activities are the real ones, over a real MongoDB-compatible
 * server and a real local SMTP server, so each test checks the email that
 * arrived and the mirror the API reads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { silentLogger } from '../../config/logger.js';
import type { AutomationGraph, Rule } from '../../domain/graph.js';
import { uuidv7 } from '../../domain/ids.js';
import type { RunState } from '../../domain/run-state.js';
import { startLocalSmtpServer, readMailbox } from '../../mail/local-smtp-server.js';
import { createMailer, type Mailer } from '../../mail/mailer.js';
import { connectMongo, createRepositories, type MongoConnection, type Repositories } from '../../repositories/db.js';
import { EmailsRepository } from '../../repositories/emails.js';
import { buildActivityDependencies, createAutomationWorker } from '../../worker.js';
import {
  AUTOMATION_RUN_WORKFLOW,
  cancelRunSignal,
  eventReceivedSignal,
  runStateQuery,
  runWorkflowId,
  type ContactSnapshot,
  type RunInput,
} from '../../workflows/contract.js';
import { mongodbUri, temporalTestServerPath, uniqueDatabaseName, uniqueTaskQueue } from '../support/services.js';
import { sharedWorkflowBundle } from '../support/stack.js';

const DAY = 24 * 60 * 60 * 1000;
const taskQueue = uniqueTaskQueue();

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let mongo: MongoConnection;
let repos: Repositories;
let mailer: Mailer;
let smtp: Awaited<ReturnType<typeof startLocalSmtpServer>>;
let mailDir: string;
let publishedTemplateId: string;
let draftTemplateId: string;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  // The test server has no --search-attribute flag; register the run attributes through the operator API.
  const keyword = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: { AutomationId: keyword, ContactId: keyword, RunStatus: keyword },
  });

  mongo = await connectMongo({ mongodbUri: mongodbUri(), mongodbDatabase: uniqueDatabaseName() });
  repos = createRepositories(mongo.db);
  const emails = new EmailsRepository(mongo.db);
  await emails.ensureIndexes();
  for (const repository of [repos.contacts, repos.templates, repos.segments, repos.runs]) await repository.ensureIndexes();

  mailDir = await mkdtemp(join(tmpdir(), 'workflow-mail-'));
  smtp = await startLocalSmtpServer({ host: '127.0.0.1', port: 0, mailDir });
  mailer = createMailer(smtp.url);

  const published = await repos.templates.create({
    name: 'Reminder',
    subject: 'Hello {{{contact.first_name|there}}}: {{{TOPIC}}}',
    html: '<p>{{{TOPIC}}}</p>',
    variables: [{ key: 'TOPIC', type: 'string', fallback_value: 'news' }],
  });
  if (published.status !== 'ok') throw new Error('template create failed');
  publishedTemplateId = published.template._id;
  await repos.templates.publish(publishedTemplateId);
  const draft = await repos.templates.create({ name: 'welcome', subject: 'Draft', html: '<p>draft</p>' });
  if (draft.status !== 'ok') throw new Error('template create failed');
  draftTemplateId = draft.template._id;

  worker = await createAutomationWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await sharedWorkflowBundle(),
    dependencies: buildActivityDependencies({
      repos,
      emails,
      mailer,
      publicUrl: 'http://localhost:3000',
      unsubscribeSecret: undefined,
      mailFrom: 'Tests <tests@example.com>',
      log: silentLogger,
    }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  mailer?.close();
  await smtp?.close();
  await mongo?.db.dropDatabase();
  await mongo?.client.close();
  await env?.teardown();
  if (mailDir) await rm(mailDir, { recursive: true, force: true });
});

async function newContact(email: string): Promise<ContactSnapshot> {
  const doc = await repos.contacts.create({ email, first_name: 'Kim' });
  if (!doc) throw new Error(`contact ${email} already exists`);
  return repos.contacts.toSnapshot(doc);
}

function sendStep(key: string, topic: string, templateId = publishedTemplateId) {
  return { key, type: 'send_email', config: { template: { id: templateId, variables: { TOPIC: topic } } } } as const;
}

async function startRun(contact: ContactSnapshot, graph: AutomationGraph, payload: Record<string, unknown> = {}) {
  const runId = uuidv7();
  const input: RunInput = {
    runId,
    automationId: uuidv7(),
    contactId: contact.id,
    createdAt: Date.now(),
    trigger: { eventId: uuidv7(), event: 'test.event', payload },
    graph,
  };
  const handle = await env.client.workflow.start(AUTOMATION_RUN_WORKFLOW, {
    workflowId: runWorkflowId(runId),
    taskQueue,
    args: [input],
  });
  return { runId, handle };
}

async function mailTo(address: string) {
  return (await readMailbox(mailDir)).filter((mail) => mail.to.includes(address));
}

/** Names of the activities a run scheduled, from its history. */
async function scheduledActivities(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

async function waitForStepStatus(handle: { query: (q: typeof runStateQuery) => Promise<RunState> }, key: string, status: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const state = await handle.query(runStateQuery);
    if (state.steps.some((step) => step.key === key && step.status === status)) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`step ${key} never reached ${status}`);
}

describe('automationRun workflow', () => {
  it('crosses a 3-day delay in virtual time and then sends the email', async () => {
    const contact = await newContact('delay@example.com');
    const { runId, handle } = await startRun(contact, {
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'test.event' } },
        { key: 'wait', type: 'delay', config: { duration: '3 days' } },
        sendStep('send', 'after three days'),
      ],
      connections: [
        { from: 'start', to: 'wait', type: 'default' },
        { from: 'wait', to: 'send', type: 'default' },
      ],
    });

    const state: RunState = await handle.result();
    expect(state.status).toBe('completed');
    expect(state.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['wait', 'completed'],
      ['send', 'completed'],
    ]);
    const wait = state.steps[1]!;
    expect(wait.completedAt! - wait.startedAt!).toBeGreaterThanOrEqual(3 * DAY);
    expect(wait.completedAt! - wait.startedAt!).toBeLessThan(3 * DAY + 60_000);

    const mails = await mailTo('delay@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('Hello Kim: after three days');
    expect(state.steps[2]!.output).toMatchObject({ to: 'delay@example.com', template: { id: publishedTemplateId } });

    const mirror = await repos.runs.findById(runId);
    expect(mirror?.status).toBe('completed');
    expect(mirror?.steps.map((step) => step.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it('ends cancelled with no email when cancelled during a delay', async () => {
    const contact = await newContact('cancel@example.com');
    const { runId, handle } = await startRun(contact, {
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'test.event' } },
        { key: 'wait', type: 'delay', config: { duration: '2 days' } },
        sendStep('send', 'never'),
      ],
      connections: [
        { from: 'start', to: 'wait', type: 'default' },
        { from: 'wait', to: 'send', type: 'default' },
      ],
    });
    await waitForStepStatus(handle, 'wait', 'waiting');

    await handle.signal(cancelRunSignal, { reason: 'run_cancelled' });
    const state: RunState = await handle.result();
    expect(state.status).toBe('cancelled');
    expect(state.steps.map((step) => [step.key, step.status])).toEqual([
      ['start', 'completed'],
      ['wait', 'skipped'],
    ]);
    // The run ended without waiting out the delay.
    expect(state.completedAt! - state.startedAt!).toBeLessThan(DAY);
    expect(await mailTo('cancel@example.com')).toHaveLength(0);
    expect((await repos.runs.findById(runId))?.status).toBe('cancelled');
  });

  it('follows condition_met and condition_not_met by the event payload', async () => {
    const graph: AutomationGraph = {
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'test.event' } },
        { key: 'check', type: 'condition', config: { type: 'rule', field: 'event.total', operator: 'gt', value: 100 } },
        sendStep('big', 'big spender'),
        sendStep('small', 'small cart'),
      ],
      connections: [
        { from: 'start', to: 'check', type: 'default' },
        { from: 'check', to: 'big', type: 'condition_met' },
        { from: 'check', to: 'small', type: 'condition_not_met' },
      ],
    };
    const big = await startRun(await newContact('big@example.com'), graph, { total: 150 });
    const small = await startRun(await newContact('small@example.com'), graph, { total: 50 });

    const bigState: RunState = await big.handle.result();
    const smallState: RunState = await small.handle.result();
    expect(bigState.steps.map((step) => step.key)).toEqual(['start', 'check', 'big']);
    expect(bigState.steps[1]!.output).toEqual({ result: true });
    expect(smallState.steps.map((step) => step.key)).toEqual(['start', 'check', 'small']);
    expect(smallState.steps[1]!.output).toEqual({ result: false });
    expect((await mailTo('big@example.com')).map((mail) => mail.subject)).toEqual(['Hello Kim: big spender']);
    expect((await mailTo('small@example.com')).map((mail) => mail.subject)).toEqual(['Hello Kim: small cart']);
  });

  it('loads the contact only for a condition that reads it', async () => {
    const graph = (rule: Rule): AutomationGraph => ({
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'test.event' } },
        { key: 'check', type: 'condition', config: rule },
      ],
      connections: [{ from: 'start', to: 'check', type: 'default' }],
    });
    const eventRule: Rule = { type: 'rule', field: 'event.total', operator: 'gt', value: 1 };
    const contactRule: Rule = { type: 'rule', field: 'contact.first_name', operator: 'eq', value: 'Kim' };
    const onEvent = await startRun(await newContact('event-rule@example.com'), graph(eventRule), { total: 2 });
    const onContact = await startRun(await newContact('contact-rule@example.com'), graph(contactRule));

    expect(((await onEvent.handle.result()) as RunState).steps[1]!.output).toEqual({ result: true });
    expect(((await onContact.handle.result()) as RunState).steps[1]!.output).toEqual({ result: true });
    expect(await scheduledActivities(onEvent.handle)).not.toContain('loadContact');
    expect(await scheduledActivities(onContact.handle)).toContain('loadContact');
  });

  describe('wait_for_event', () => {
    const graph: AutomationGraph = {
      steps: [
        { key: 'start', type: 'trigger', config: { event_name: 'test.event' } },
        {
          key: 'wait',
          type: 'wait_for_event',
          config: {
            event_name: 'payment.succeeded',
            timeout: '2 days',
            filter_rule: { type: 'rule', field: 'event.currency', operator: 'eq', value: 'EUR' },
          },
        },
        {
          key: 'thanks',
          type: 'send_email',
          config: {
            template: { id: publishedTemplateId, variables: { TOPIC: { var: 'wait_events.payment.succeeded.amount' } } },
          },
        },
        sendStep('reminder', 'still unpaid'),
      ],
      connections: [
        { from: 'start', to: 'wait', type: 'default' },
        { from: 'wait', to: 'thanks', type: 'event_received' },
        { from: 'wait', to: 'reminder', type: 'timeout' },
      ],
    };

    it('follows event_received when a matching event arrives', async () => {
      const contact = await newContact('paid@example.com');
      // The template id is known only after beforeAll, so patch it in here.
      const withTemplate = structuredClone(graph);
      (withTemplate.steps[2]!.config as { template: { id: string } }).template.id = publishedTemplateId;
      const { handle } = await startRun(contact, withTemplate);
      await waitForStepStatus(handle, 'wait', 'waiting');

      const signal = (currency: string, amount: string) => ({
        eventId: uuidv7(),
        event: 'payment.succeeded',
        payload: { currency, amount },
        contact,
      });
      await handle.signal(eventReceivedSignal, signal('USD', 'wrong currency'));
      await handle.signal(eventReceivedSignal, { ...signal('EUR', 'other event'), event: 'payment.failed' });
      await handle.signal(eventReceivedSignal, signal('EUR', '12.50 EUR'));

      const state: RunState = await handle.result();
      expect(state.status).toBe('completed');
      expect(state.steps.map((step) => [step.key, step.status])).toEqual([
        ['start', 'completed'],
        ['wait', 'completed'],
        ['thanks', 'completed'],
      ]);
      expect(state.steps[1]!.output).toMatchObject({ payload: { currency: 'EUR', amount: '12.50 EUR' } });
      expect((await mailTo('paid@example.com')).map((mail) => mail.subject)).toEqual(['Hello Kim: 12.50 EUR']);
    });

    it('follows timeout when no event arrives in time', async () => {
      const contact = await newContact('unpaid@example.com');
      const withTemplate = structuredClone(graph);
      (withTemplate.steps[2]!.config as { template: { id: string } }).template.id = publishedTemplateId;
      const { handle } = await startRun(contact, withTemplate);

      const state: RunState = await handle.result();
      expect(state.steps.map((step) => step.key)).toEqual(['start', 'wait', 'reminder']);
      expect(state.steps[1]!.output).toMatchObject({ timed_out: true });
      const waited = state.steps[1]!.completedAt! - state.steps[1]!.startedAt!;
      expect(waited).toBeGreaterThanOrEqual(2 * DAY);
      expect((await mailTo('unpaid@example.com')).map((mail) => mail.subject)).toEqual(['Hello Kim: still unpaid']);
    });
  });

  it('fails the run with an actionable error when the template is not published', async () => {
    const contact = await newContact('draft@example.com');
    const { runId, handle } = await startRun(contact, {
      steps: [{ key: 'start', type: 'trigger', config: { event_name: 'test.event' } }, sendStep('send', 'x', draftTemplateId)],
      connections: [{ from: 'start', to: 'send', type: 'default' }],
    });

    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);

    const mirror = await repos.runs.findById(runId);
    expect(mirror?.status).toBe('failed');
    const send = mirror?.steps.find((step) => step.key === 'send');
    expect(send?.status).toBe('failed');
    expect(send?.error).toEqual({
      name: 'template_not_published',
      message: "template 'welcome' is not published; publish it, then run the automation again",
    });
    expect(await mailTo('draft@example.com')).toHaveLength(0);
  });
});
