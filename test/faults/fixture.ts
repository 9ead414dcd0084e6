/**
 * Shared set-up of the fault tests: a worker process and an API process on a
 * fresh database and task queue, a Temporal client and a MongoDB client to
 * count what happened, and helpers that create data through the HTTP API.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import type { RunState } from '../../domain/run-state.js';
import { createRepositories, type Repositories } from '../../repositories/db.js';
import { runWorkflowId } from '../../workflows/contract.js';
import {
  apiProcess,
  workerProcess,
  type ApiProcess,
  type ProductEnvironment,
  type ProductProcess,
  removeSourceSnapshot,
  waitFor,
} from '../support/processes.js';
import { mongodbUri, temporalAddress, uniqueDatabaseName, uniqueTaskQueue } from '../support/services.js';

/**
 * Set FAULT_TESTS_SLOW=1 for the slower variant of the fault tests: more
 * runs and longer outages than the default run of the suite can afford.
 */
export const SLOW_VARIANT = process.env.FAULT_TESTS_SLOW === '1';

export interface FaultStackOptions {
  smtpUrl: string;
  /** Defaults to the Temporal server of the whole test run. */
  temporalAddress?: string;
  /** Defaults to the MongoDB-compatible server of the whole test run. */
  mongodbUri?: string;
  /** Further variables for both processes. */
  extraEnv?: Record<string, string>;
  /** Whether the worker starts with the stack; false leaves that to the test. Default true. */
  startWorker?: boolean;
}

/** Workflow status names of `describe()`, e.g. RUNNING, COMPLETED, FAILED, TERMINATED. */
export type WorkflowStatusName = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>['status']['name'];

export interface FaultStack {
  env: ProductEnvironment;
  worker: ProductProcess;
  api: ApiProcess;
  client: Client;
  repos: Repositories;
  /** The test's database, for tests that damage what the repositories wrote. */
  db: Db;
  /** Sends a request to the API process with its key and returns the status and JSON body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Creates and publishes a template; returns its id. */
  createTemplate(name: string): Promise<string>;
  /** Creates an enabled automation from wire-format steps and connections; returns its id. */
  createAutomation(definition: { name: string; steps: unknown[]; connections: unknown[] }): Promise<string>;
  /** Sends an event for a contact by email address and expects 202. */
  sendEvent(event: string, email: string, payload?: Record<string, unknown>): Promise<void>;
  /** Every mirrored run of an automation, newest first. */
  mirroredRuns(automationId: string): Promise<RunState[]>;
  /** The workflow status of a run, or NOT_FOUND. */
  workflowStatus(runId: string): Promise<WorkflowStatusName | 'NOT_FOUND'>;
  /**
   * Waits until the run's workflow has closed and returns its status. The
   * workflow writes its final state to the mirror before it closes, so a
   * finished mirror may briefly belong to a workflow still RUNNING.
   */
  closedWorkflowStatus(runId: string): Promise<WorkflowStatusName | 'NOT_FOUND'>;
  /** Kills whatever product processes still run and closes the clients; leaves shared servers alone. */
  close(): Promise<void>;
}

export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const env: ProductEnvironment = {
    mongodbUri: options.mongodbUri ?? mongodbUri(),
    mongodbDatabase: uniqueDatabaseName('fault'),
    temporalAddress: options.temporalAddress ?? temporalAddress(),
    temporalTaskQueue: uniqueTaskQueue('fault'),
    smtpUrl: options.smtpUrl,
    ...(options.extraEnv ? { extra: options.extraEnv } : {}),
  };

  const worker = workerProcess(env);
  const api = await apiProcess(env);
  await Promise.all([options.startWorker === false ? undefined : worker.start(), api.process.start()]);

  const mongo = new MongoClient(env.mongodbUri, { serverSelectionTimeoutMS: 2_000 });
  await mongo.connect();
  const db = mongo.db(env.mongodbDatabase);
  const repos = createRepositories(db);
  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection });

  const request: FaultStack['request'] = async (method, path, body) => {
    const response = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${api.apiKey}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };

  const workflowStatus: FaultStack['workflowStatus'] = async (runId) => {
    try {
      return (await client.workflow.getHandle(runWorkflowId(runId)).describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw error;
    }
  };

  const expectStatus = (what: string, expected: number, response: { status: number; body: unknown }): void => {
    if (response.status !== expected) {
      throw new Error(`${what} returned ${response.status}, expected ${expected}: ${JSON.stringify(response.body)}`);
    }
  };

  return {
    env,
    worker,
    api,
    client,
    repos,
    db,
    request,

    async createTemplate(name) {
      const created = await request('POST', '/templates', {
        name,
        subject: `${name} for {{{contact.first_name|you}}}`,
        html: `<p>${name}</p>`,
      });
      expectStatus('POST /templates', 201, created);
      const id = created.body.id as string;
      expectStatus('POST /templates/:id/publish', 200, await request('POST', `/templates/${id}/publish`));
      return id;
    },

    async createAutomation(definition) {
      const created = await request('POST', '/automations', { ...definition, status: 'enabled' });
      expectStatus('POST /automations', 201, created);
      return created.body.id as string;
    },

    async sendEvent(event, email, payload) {
      const sent = await request('POST', '/events/send', { event, email, ...(payload ? { payload } : {}) });
      expectStatus('POST /events/send', 202, sent);
    },

    async mirroredRuns(automationId) {
      const runs: RunState[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await repos.runs.list({ automationId, limit: 100, after });
        runs.push(...page.items);
        if (!page.hasMore) return runs;
        after = page.items.at(-1)!.runId;
      }
    },

    workflowStatus,

    async closedWorkflowStatus(runId) {
      return waitFor(`the workflow of run ${runId} to close`, () => workflowStatus(runId), (status) => status !== 'RUNNING');
    },

    async close() {
      await Promise.allSettled([worker.kill(), api.process.kill()]);
      await removeSourceSnapshot();
      await Promise.allSettled([db.dropDatabase()]);
      await Promise.allSettled([mongo.close(), connection.close()]);
    },
  };
}

/** Steps and connections of `trigger -> send_email`, in wire format. */
export function sendOnlyGraph(eventName: string, templateId: string) {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'mail', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [{ from: 'start', to: 'mail' }],
  };
}

/** Steps and connections of `trigger -> delay -> send_email`, in wire format. */
export function delayThenSendGraph(eventName: string, templateId: string, duration: string) {
  return {
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: eventName } },
      { key: 'wait', type: 'delay', config: { duration } },
      { key: 'mail', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [
      { from: 'start', to: 'wait' },
      { from: 'wait', to: 'mail' },
    ],
  };
}

/** Counts runs by status, e.g. `{ completed: 3 }`. */
export function countByStatus(runs: { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1;
  return counts;
}
