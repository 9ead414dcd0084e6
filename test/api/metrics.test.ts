import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepType } from '../../domain/graph.js';
import { uuidv7 } from '../../domain/ids.js';
import { RUN_STATUSES } from '../../domain/run-state.js';
import type { RunState, RunStatus, RunStepState, StepStatus } from '../../domain/run-state.js';
import { createApiFixture, makeRunState } from './fixture.js';
import type { ApiFixture } from './fixture.js';

const STEP_STATUSES: StepStatus[] = ['completed', 'failed', 'skipped', 'waiting', 'running', 'pending'];
const DAY_MS = 24 * 60 * 60 * 1000;

let api: ApiFixture;
let templateId: string;
let contactId: string;

beforeAll(async () => {
  api = await createApiFixture();
  const template = await api.request('POST', '/templates', { name: 'Metrics', html: '<p>Hi</p>' });
  templateId = template.body.id;
  contactId = (await api.repos.contacts.create({ email: 'metrics@example.com' }))!._id;
});
afterAll(async () => {
  await api.close();
});

/** The graph steps every test automation has: trigger, email, delay, email. */
const GRAPH_STEPS: Array<{ key: string; type: StepType }> = [
  { key: 'start', type: 'trigger' },
  { key: 'welcome', type: 'send_email' },
  { key: 'pause', type: 'delay' },
  { key: 'follow_up', type: 'send_email' },
];

async function createAutomation(): Promise<string> {
  const response = await api.request('POST', '/automations', {
    name: 'Metrics',
    steps: [
      { key: 'start', type: 'trigger', config: { event_name: 'user.created' } },
      { key: 'welcome', type: 'send_email', config: { template: { id: templateId } } },
      { key: 'pause', type: 'delay', config: { duration: '1 day' } },
      { key: 'follow_up', type: 'send_email', config: { template: { id: templateId } } },
    ],
    connections: [
      { from: 'start', to: 'welcome' },
      { from: 'welcome', to: 'pause' },
      { from: 'pause', to: 'follow_up' },
    ],
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

/** A small deterministic pseudo-random generator (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function step(key: string, type: StepType, status: StepStatus, at: number): RunStepState {
  return { key, type, status, output: null, error: null, createdAt: at, startedAt: at, completedAt: at };
}

/**
 * Builds a run created at `createdAt` with a random status and a random prefix
 * of the graph's steps in random statuses. Some runs also reach a step that
 * only an earlier graph had. A finished run takes 0 to 99 seconds.
 */
function randomRun(next: () => number, automationId: string, createdAt: number): RunState {
  const status = pick(next, RUN_STATUSES);
  const startedAt = createdAt + Math.floor(next() * 50);
  const reached = 1 + Math.floor(next() * GRAPH_STEPS.length);
  const steps = GRAPH_STEPS.slice(0, reached).map((graphStep) =>
    step(graphStep.key, graphStep.type, pick(next, STEP_STATUSES), startedAt),
  );
  if (next() < 0.2) steps.push(step('legacy_email', 'send_email', pick(next, STEP_STATUSES), startedAt));

  const completedAt = status === 'running' ? null : startedAt + Math.floor(next() * 100) * 1000;
  return makeRunState({ runId: uuidv7(createdAt), automationId, contactId, status, steps, createdAt, startedAt, completedAt });
}

interface ExpectedMetrics {
  runs: Record<RunStatus | 'total', number>;
  steps: Map<string, Record<StepStatus, number>>;
  emails: { sent: number; skipped: number };
  median: number | null;
  p95: number | null;
}

/** Computes the metrics from the runs in memory, without the code under test. */
function expectedMetrics(runs: RunState[]): ExpectedMetrics {
  const countRuns = (status: RunStatus) => runs.filter((run) => run.status === status).length;
  const runCounts = { total: runs.length, running: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 };
  for (const status of RUN_STATUSES) runCounts[status] = countRuns(status);

  const steps = new Map<string, Record<StepStatus, number>>();
  const emails = { sent: 0, skipped: 0 };
  for (const run of runs) {
    for (const runStep of run.steps) {
      const id = `${runStep.key}/${runStep.type}`;
      const counts = steps.get(id) ?? { completed: 0, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 };
      counts[runStep.status] += 1;
      steps.set(id, counts);
      if (runStep.type === 'send_email' && runStep.status === 'completed') emails.sent += 1;
      if (runStep.type === 'send_email' && runStep.status === 'skipped') emails.skipped += 1;
    }
  }

  const durations = runs
    .filter((run) => run.completedAt !== null)
    .map((run) => run.completedAt! - run.startedAt!)
    .sort((a, b) => a - b);
  const n = durations.length;
  let median: number | null = null;
  if (n > 0) median = n % 2 === 1 ? durations[(n - 1) / 2]! : (durations[n / 2 - 1]! + durations[n / 2]!) / 2;
  const p95 = n > 0 ? durations[Math.ceil(0.95 * n) - 1]! : null;

  return { runs: runCounts, steps, emails, median, p95 };
}

function metricsPath(automationId: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `/automations/${automationId}/metrics${search === '' ? '' : `?${search}`}`;
}

describe('metrics values', () => {
  // Two sizes and seeds, so the finished runs come in an odd and an even count for the median.
  it.each([
    { runCount: 57, seed: 20261001 },
    { runCount: 64, seed: 8 },
  ])('match counts computed from $runCount runs in the window', async ({ runCount, seed }) => {
    const automationId = await createAutomation();
    const otherAutomationId = await createAutomation();
    const from = Date.parse('2026-09-01T00:00:00.000Z');
    const to = Date.parse('2026-09-30T23:59:59.999Z');
    const next = random(seed);

    const inWindow: RunState[] = [];
    for (let i = 0; i < runCount; i += 1) {
      // The first two runs sit exactly on the bounds, which are included.
      let createdAt = from + Math.floor(next() * (to - from));
      if (i === 0) createdAt = from;
      if (i === 1) createdAt = to;
      inWindow.push(randomRun(next, automationId, createdAt));
    }
    const outside = [
      randomRun(next, automationId, from - 1),
      randomRun(next, automationId, to + 1),
      randomRun(next, automationId, from - 40 * DAY_MS),
      randomRun(next, otherAutomationId, from + DAY_MS),
    ];
    for (const run of [...inWindow, ...outside]) await api.repos.runs.saveState(run);

    const response = await api.request('GET', metricsPath(automationId, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
    expect(response.status).toBe(200);
    const body = response.body;
    const expected = expectedMetrics(inWindow);

    expect(body.object).toBe('automation_metrics');
    expect(body.automation_id).toBe(automationId);
    expect(body.from).toBe('2026-09-01 00:00:00.000000+00');
    expect(body.to).toBe('2026-09-30 23:59:59.999000+00');
    expect(body.runs).toEqual(expected.runs);
    expect(body.emails).toEqual(expected.emails);
    expect(body.duration_ms.median).toBe(expected.median);
    expect(body.duration_ms.p95).toBe(expected.p95);

    const listed = body.steps.map((entry: { key: string; type: string }) => `${entry.key}/${entry.type}`);
    const graphOrder = GRAPH_STEPS.map((graphStep) => `${graphStep.key}/${graphStep.type}`);
    expect(listed.slice(0, GRAPH_STEPS.length)).toEqual(graphOrder);
    expect(new Set(listed)).toEqual(new Set([...graphOrder, ...expected.steps.keys()]));
    for (const entry of body.steps) {
      const zero = { completed: 0, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 };
      expect(entry.counts, `counts of step ${entry.key}`).toEqual(expected.steps.get(`${entry.key}/${entry.type}`) ?? zero);
    }
  });

  it('counts the last 30 days by default', async () => {
    const automationId = await createAutomation();
    const now = Date.now();
    const recent = makeRunState({ runId: uuidv7(), automationId, contactId, createdAt: now - DAY_MS, status: 'completed', startedAt: now - DAY_MS, completedAt: now - DAY_MS + 1500 });
    const old = makeRunState({ runId: uuidv7(), automationId, contactId, createdAt: now - 31 * DAY_MS, status: 'failed', startedAt: now - 31 * DAY_MS, completedAt: now - 31 * DAY_MS + 10 });
    await api.repos.runs.saveState(recent);
    await api.repos.runs.saveState(old);

    const response = await api.request('GET', metricsPath(automationId));
    expect(response.status).toBe(200);
    expect(response.body.runs).toEqual({ total: 1, running: 0, completed: 1, failed: 0, cancelled: 0, skipped: 0 });
    expect(response.body.duration_ms).toEqual({ median: 1500, p95: 1500 });
    const from = Date.parse(response.body.from.replace(' ', 'T').replace('000+00', 'Z'));
    const to = Date.parse(response.body.to.replace(' ', 'T').replace('000+00', 'Z'));
    expect(to - from).toBe(30 * DAY_MS);
    expect(Math.abs(to - now)).toBeLessThan(60_000);
  });

  it('returns zeros and null durations without runs', async () => {
    const automationId = await createAutomation();
    const response = await api.request('GET', metricsPath(automationId));
    expect(response.status).toBe(200);
    expect(response.body.runs).toEqual({ total: 0, running: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 });
    expect(response.body.emails).toEqual({ sent: 0, skipped: 0 });
    expect(response.body.duration_ms).toEqual({ median: null, p95: null });
    expect(response.body.steps).toEqual(
      GRAPH_STEPS.map((graphStep) => ({
        key: graphStep.key,
        type: graphStep.type,
        counts: { completed: 0, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 },
      })),
    );
  });

  it('uses the latest mirrored state of a run', async () => {
    const automationId = await createAutomation();
    const createdAt = Date.parse('2026-08-10T10:00:00.000Z');
    const running = makeRunState({
      runId: uuidv7(createdAt),
      automationId,
      contactId,
      createdAt,
      startedAt: createdAt,
      steps: [step('start', 'trigger', 'completed', createdAt), step('welcome', 'send_email', 'running', createdAt)],
    });
    await api.repos.runs.saveState(running);
    await api.repos.runs.saveState({
      ...running,
      version: 2,
      status: 'completed',
      completedAt: createdAt + 4000,
      steps: [step('start', 'trigger', 'completed', createdAt), step('welcome', 'send_email', 'completed', createdAt)],
    });

    const response = await api.request('GET', metricsPath(automationId, { from: '2026-08-10', to: '2026-08-11' }));
    expect(response.body.runs).toEqual({ total: 1, running: 0, completed: 1, failed: 0, cancelled: 0, skipped: 0 });
    expect(response.body.steps[1]).toEqual({
      key: 'welcome',
      type: 'send_email',
      counts: { completed: 1, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 },
    });
    expect(response.body.emails).toEqual({ sent: 1, skipped: 0 });
    expect(response.body.duration_ms).toEqual({ median: 4000, p95: 4000 });
  });
});

describe('metrics window parameters', () => {
  it('accepts the API timestamp format with an encoded or a bare plus', async () => {
    const automationId = await createAutomation();
    const createdAt = Date.parse('2026-07-01T12:00:00.000Z');
    await api.repos.runs.saveState(makeRunState({ runId: uuidv7(createdAt), automationId, contactId, createdAt }));

    const encoded = await api.request('GET', metricsPath(automationId, { from: '2026-07-01 12:00:00.000000+00', to: '2026-07-01 12:00:00.000000+00' }));
    expect(encoded.status).toBe(200);
    expect(encoded.body.runs.total).toBe(1);

    // A `+` left unencoded in a query string decodes to a space.
    const bare = await api.request('GET', `/automations/${automationId}/metrics?from=2026-07-01T13:00:00+01:00&to=2026-07-01T12:00:00Z`);
    expect(bare.status).toBe(200);
    expect(bare.body.from).toBe('2026-07-01 12:00:00.000000+00');
    expect(bare.body.runs.total).toBe(1);
  });

  it('rejects from later than to', async () => {
    const automationId = await createAutomation();
    const response = await api.request('GET', metricsPath(automationId, { from: '2026-07-02T00:00:00Z', to: '2026-07-01T00:00:00Z' }));
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
    expect(response.body.message).toContain('`from`');
  });

  it('rejects malformed timestamps', async () => {
    const automationId = await createAutomation();
    for (const value of ['yesterday', '2026-02-30', '2026-07-01T12:00:00', '2026-07-01T25:00:00Z', '1790856000000', '']) {
      const response = await api.request('GET', metricsPath(automationId, { to: value }));
      expect(response.status, `to=${value}`).toBe(422);
      expect(response.body.name, `to=${value}`).toBe('invalid_parameter');
      expect(response.body.message, `to=${value}`).toContain('Query parameter `to` must be an ISO 8601 timestamp');
    }
  });

  it('rejects an unknown query parameter', async () => {
    const automationId = await createAutomation();
    const response = await api.request('GET', metricsPath(automationId, { since: '2026-07-01' }));
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
  });

  it('returns 404 for an unknown automation', async () => {
    const response = await api.request('GET', metricsPath(uuidv7()));
    expect(response.status).toBe(404);
    expect(response.body.name).toBe('not_found');
  });

  it('returns 422 for a malformed automation id', async () => {
    const response = await api.request('GET', metricsPath('not-a-uuid'));
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
  });

  it('requires an API key', async () => {
    const automationId = await createAutomation();
    const response = await api.request('GET', metricsPath(automationId), undefined, { Authorization: '' });
    expect(response.status).toBe(401);
  });
});

