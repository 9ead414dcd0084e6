/**
 * Records the workflow histories of representative runs, one JSON file per
 * run, for the replay test `test/workflows/replay.test.ts`. Together the runs
 * reach every step type and every branch, a cancel by signal and by the
 * Temporal client, and two kinds of step failure.
 *
 *   npm run record-histories -- --set NAME
 *
 * Files go to `test/histories/NAME/`. Name the set after the newest patch id
 * in `workflows/versions.ts` (or `no-patches`). An existing set is never
 * overwritten, because the histories of older code are what the replay test
 * checks new code against.
 *
 * The script starts its own FerretDB, Temporal dev server and local SMTP
 * server on free loopback ports, with data in a temporary folder that it
 * deletes at the end. Durations are seconds, so recording takes about a minute.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { silentLogger } from '../config/logger.js';
import type { AutomationGraph, Step } from '../domain/graph.js';
import { uuidv7 } from '../domain/ids.js';
import type { RunState, RunStatus } from '../domain/run-state.js';
import { startLocalSmtpServer } from '../mail/local-smtp-server.js';
import { createMailer } from '../mail/mailer.js';
import type { NewContact } from '../repositories/contacts.js';
import { connectMongo, createRepositories, ensureAllIndexes, type Repositories } from '../repositories/db.js';
import { EmailsRepository } from '../repositories/emails.js';
import { buildActivityDependencies, createAutomationWorker } from '../worker.js';
import {
  AUTOMATION_RUN_WORKFLOW,
  cancelRunSignal,
  eventReceivedSignal,
  runStateQuery,
  runWorkflowId,
  type ContactSnapshot,
  type RunInput,
} from '../workflows/contract.js';
import { startFerretDb } from './services/ferretdb.js';
import { encodeHistory, HISTORIES_DIR } from '../test/support/histories.js';
import { findFreePort } from './services/process.js';
import { startTemporalDevServer } from './services/temporal.js';
import { REPO_ROOT } from './tools.js';

const USAGE = 'Usage: npm run record-histories -- --set NAME';
const SET_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const TRIGGER_EVENT = 'history.recorded';
const POLL_MS = 100;
const STEP_WAIT_TIMEOUT_MS = 60_000;

/** Records created once and shared by every scenario. */
interface Fixtures {
  publishedTemplateId: string;
  draftTemplateId: string;
  segmentId: string;
}

interface Scenario {
  /** File name of the history, without `.json`. */
  name: string;
  contact?: Omit<NewContact, 'email'>;
  payload?: Record<string, unknown>;
  graph(fixtures: Fixtures): AutomationGraph;
  /** Acts on the run while it is in progress, for signals and cancels. */
  drive?(handle: WorkflowHandle, contact: ContactSnapshot): Promise<void>;
  /** Run status the mirror must show at the end, so a history never records something else by accident. */
  expectedStatus: Exclude<RunStatus, 'running'>;
}

const trigger: Step = { key: 'start', type: 'trigger', config: { event_name: TRIGGER_EVENT } };

function sendStep(key: string, templateId: string, topic: string | { var: string }): Step {
  return { key, type: 'send_email', config: { template: { id: templateId, variables: { TOPIC: topic } } } };
}

/** Builds a chain of steps joined by `default` connections. */
function chain(...steps: Step[]): AutomationGraph {
  const connections = steps.slice(1).map((step, index) => ({ from: steps[index]!.key, to: step.key, type: 'default' as const }));
  return { steps, connections };
}

/** Builds a condition with one email on each branch. */
function branching(fixtures: Fixtures, rule: Extract<Step, { type: 'condition' }>['config']): AutomationGraph {
  return {
    steps: [
      trigger,
      { key: 'check', type: 'condition', config: rule },
      sendStep('met', fixtures.publishedTemplateId, 'met'),
      sendStep('not_met', fixtures.publishedTemplateId, 'not met'),
    ],
    connections: [
      { from: 'start', to: 'check', type: 'default' },
      { from: 'check', to: 'met', type: 'condition_met' },
      { from: 'check', to: 'not_met', type: 'condition_not_met' },
    ],
  };
}

/** Builds a wait for `payment.succeeded` in EUR with an email on each outcome. */
function paymentWait(fixtures: Fixtures, timeout: string | undefined): AutomationGraph {
  return {
    steps: [
      trigger,
      {
        key: 'wait',
        type: 'wait_for_event',
        config: {
          event_name: 'payment.succeeded',
          ...(timeout === undefined ? {} : { timeout }),
          filter_rule: { type: 'rule', field: 'event.currency', operator: 'eq', value: 'EUR' },
        },
      },
      sendStep('thanks', fixtures.publishedTemplateId, { var: 'wait_events.payment.succeeded.amount' }),
      sendStep('reminder', fixtures.publishedTemplateId, 'still unpaid'),
    ],
    connections: [
      { from: 'start', to: 'wait', type: 'default' },
      { from: 'wait', to: 'thanks', type: 'event_received' },
      { from: 'wait', to: 'reminder', type: 'timeout' },
    ],
  };
}

function paymentSignal(contact: ContactSnapshot, currency: string, amount: string) {
  return { eventId: uuidv7(), event: 'payment.succeeded', payload: { currency, amount }, contact };
}

const SCENARIOS: Scenario[] = [
  {
    name: 'delay-then-email',
    graph: (f) => chain(trigger, { key: 'wait', type: 'delay', config: { duration: '1 second' } }, sendStep('send', f.publishedTemplateId, 'after a delay')),
    expectedStatus: 'completed',
  },
  {
    name: 'condition-met-on-event',
    payload: { total: 150 },
    graph: (f) => branching(f, { type: 'rule', field: 'event.total', operator: 'gt', value: 100 }),
    expectedStatus: 'completed',
  },
  {
    name: 'condition-not-met-on-contact',
    contact: { first_name: 'Kim', properties: { plan: 'free' } },
    payload: { total: 150 },
    graph: (f) =>
      branching(f, {
        type: 'and',
        rules: [
          { type: 'rule', field: 'event.total', operator: 'gt', value: 100 },
          { type: 'rule', field: 'contact.plan', operator: 'eq', value: 'pro' },
        ],
      }),
    expectedStatus: 'completed',
  },
  {
    name: 'wait-for-event-received',
    graph: (f) => paymentWait(f, '1 hour'),
    async drive(handle, contact) {
      await waitForStepStatus(handle, 'wait', 'waiting');
      await handle.signal(eventReceivedSignal, paymentSignal(contact, 'USD', 'wrong currency'));
      await handle.signal(eventReceivedSignal, { ...paymentSignal(contact, 'EUR', 'other event'), event: 'payment.failed' });
      await handle.signal(eventReceivedSignal, paymentSignal(contact, 'EUR', '12.50 EUR'));
    },
    expectedStatus: 'completed',
  },
  {
    name: 'wait-for-event-timeout',
    graph: (f) => paymentWait(f, '2 seconds'),
    expectedStatus: 'completed',
  },
  {
    name: 'contact-steps',
    contact: { first_name: 'Kim' },
    payload: { name: 'Kimberly', plan: 'pro' },
    graph: (f) =>
      chain(
        trigger,
        {
          key: 'update',
          type: 'contact_update',
          config: { first_name: { var: 'event.name' }, properties: { plan: { var: 'event.plan' }, source: 'history' } },
        },
        { key: 'segment', type: 'add_to_segment', config: { segment_id: f.segmentId } },
        sendStep('send', f.publishedTemplateId, 'updated'),
        { key: 'delete', type: 'contact_delete', config: {} },
      ),
    expectedStatus: 'completed',
  },
  {
    name: 'email-skipped-unsubscribed',
    contact: { unsubscribed: true },
    graph: (f) => chain(trigger, sendStep('send', f.publishedTemplateId, 'never delivered')),
    expectedStatus: 'skipped',
  },
  {
    name: 'cancelled-by-signal-in-delay',
    graph: (f) => chain(trigger, { key: 'wait', type: 'delay', config: { duration: '1 hour' } }, sendStep('send', f.publishedTemplateId, 'never')),
    async drive(handle) {
      await waitForStepStatus(handle, 'wait', 'waiting');
      await handle.signal(cancelRunSignal, { reason: 'run_cancelled' });
    },
    expectedStatus: 'cancelled',
  },
  {
    name: 'cancelled-by-client-in-wait',
    graph: (f) => paymentWait(f, undefined),
    async drive(handle) {
      await waitForStepStatus(handle, 'wait', 'waiting');
      await handle.cancel();
    },
    expectedStatus: 'cancelled',
  },
  {
    name: 'failed-unpublished-template',
    graph: (f) => chain(trigger, sendStep('send', f.draftTemplateId, 'never')),
    expectedStatus: 'failed',
  },
  {
    name: 'failed-condition-missing-field',
    graph: (f) => branching(f, { type: 'rule', field: 'event.missing', operator: 'eq', value: 1 }),
    expectedStatus: 'failed',
  },
];

async function waitForStepStatus(handle: WorkflowHandle, key: string, status: string): Promise<void> {
  const deadline = Date.now() + STEP_WAIT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const state = await handle.query(runStateQuery);
    if (state.steps.some((step) => step.key === key && step.status === status)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`step "${key}" did not reach status "${status}" within ${STEP_WAIT_TIMEOUT_MS} ms`);
}

async function createFixtures(repos: Repositories): Promise<Fixtures> {
  const published = await repos.templates.create({
    name: 'History',
    subject: 'Hello {{{contact.first_name|there}}}: {{{TOPIC}}}',
    html: '<p>{{{TOPIC}}}</p>',
    variables: [{ key: 'TOPIC', type: 'string', fallback_value: 'news' }],
  });
  const draft = await repos.templates.create({ name: 'welcome', subject: 'Draft', html: '<p>draft</p>' });
  if (published.status !== 'ok' || draft.status !== 'ok') throw new Error('creating the templates failed');
  await repos.templates.publish(published.template._id);
  const segment = await repos.segments.create('Recorded');
  // contact_update steps may only write declared properties.
  for (const key of ['plan', 'source']) await repos.contactProperties.create({ key, type: 'string', fallback_value: null });
  return { publishedTemplateId: published.template._id, draftTemplateId: draft.template._id, segmentId: segment._id };
}

/** Runs one scenario to its end and returns its history as JSON text. */
async function record(scenario: Scenario, context: { client: Client; repos: Repositories; fixtures: Fixtures; taskQueue: string }): Promise<string> {
  const { client, repos, fixtures, taskQueue } = context;
  const doc = await repos.contacts.create({ ...scenario.contact, email: `${scenario.name}@example.com` });
  if (!doc) throw new Error(`contact of scenario ${scenario.name} already exists`);
  const contact = repos.contacts.toSnapshot(doc);

  const runId = uuidv7();
  const input: RunInput = {
    runId,
    automationId: uuidv7(),
    contactId: contact.id,
    createdAt: Date.now(),
    trigger: { eventId: uuidv7(), event: TRIGGER_EVENT, payload: scenario.payload ?? {} },
    graph: scenario.graph(fixtures),
  };
  const handle = await client.workflow.start(AUTOMATION_RUN_WORKFLOW, {
    workflowId: runWorkflowId(runId),
    taskQueue,
    args: [input],
  });

  await scenario.drive?.(handle, contact);
  // Failed and cancelled runs reject here, so the mirror check below distinguishes the outcomes.
  await handle.result().catch(() => undefined);

  const mirrored: RunState | null = await repos.runs.findById(runId);
  if (mirrored?.status !== scenario.expectedStatus) {
    throw new Error(`scenario ${scenario.name} ended "${mirrored?.status}", expected "${scenario.expectedStatus}"`);
  }
  return encodeHistory(await handle.fetchHistory());
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { set: { type: 'string' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(`${USAGE}\n  --set NAME  folder under test/histories/ for the new files, e.g. the newest patch id`);
    return;
  }
  if (values.set === undefined || !SET_NAME.test(values.set)) {
    throw new Error(`--set must be 1 to 64 lower-case letters, digits or "-". ${USAGE}`);
  }
  const outDir = path.join(HISTORIES_DIR, values.set);
  const existing = await readdir(outDir).catch(() => []);
  if (existing.length > 0) {
    throw new Error(`${path.relative(REPO_ROOT, outDir)} already contains histories; record the new set under another name`);
  }

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workDir = await mkdtemp(path.join(tmpdir(), 'record-histories-'));
  const stops: Array<() => Promise<unknown>> = [() => rm(workDir, { recursive: true, force: true })];
  try {
    const ferret = await startFerretDb({ dataDir: path.join(workDir, 'ferretdb'), port: await findFreePort() });
    stops.unshift(() => ferret.stop());
    const temporal = await startTemporalDevServer({
      dbFile: path.join(workDir, 'temporal', 'temporal.db'),
      port: await findFreePort(),
      headless: true,
      sqliteSynchronous: 'OFF',
    });
    stops.unshift(() => temporal.stop());
    const smtp = await startLocalSmtpServer({ host: '127.0.0.1', port: 0, mailDir: path.join(workDir, 'mail') });
    stops.unshift(() => smtp.close());

    const mongo = await connectMongo({ mongodbUri: ferret.uri, mongodbDatabase: 'histories' });
    stops.unshift(() => mongo.client.close());
    const repos = createRepositories(mongo.db);
    const emails = new EmailsRepository(mongo.db);
    await ensureAllIndexes(repos);
    await emails.ensureIndexes();
    const mailer = createMailer(smtp.url);
    stops.unshift(async () => mailer.close());

    const taskQueue = 'record-histories';
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    stops.unshift(() => nativeConnection.close());
    const worker = await createAutomationWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      dependencies: buildActivityDependencies({
        repos,
        emails,
        mailer,
        publicUrl: 'http://localhost:3000',
        unsubscribeSecret: undefined,
        mailFrom: 'Histories <histories@example.com>',
        log: silentLogger,
      }),
    });
    const running = worker.run();
    stops.unshift(async () => {
      worker.shutdown();
      await running;
    });

    const connection = await Connection.connect({ address: temporal.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection });
    const fixtures = await createFixtures(repos);

    const histories = await Promise.all(
      SCENARIOS.map(async (scenario) => ({ scenario, json: await record(scenario, { client, repos, fixtures, taskQueue }) })),
    );
    await mkdir(outDir, { recursive: true });
    for (const { scenario, json } of histories) {
      await writeFile(path.join(outDir, `${scenario.name}.json`), json);
    }
    console.log(`Wrote ${histories.length} histories to ${path.relative(REPO_ROOT, outDir)}/`);
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => console.error('cleanup step failed:', error));
  }
}

main().catch((error: unknown) => {
  console.error(`record-histories failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
