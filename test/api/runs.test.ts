import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../domain/ids.js';
import type { RunState } from '../../domain/run-state.js';
import { createApiFixture, makeRunState, welcomeGraph } from './fixture.js';
import type { ApiFixture } from './fixture.js';

let api: ApiFixture;
let automationId: string;
let contactId: string;

beforeAll(async () => {
  api = await createApiFixture();
  const template = await api.request('POST', '/templates', { name: 'Welcome', html: '<p>Hi</p>' });
  const automation = await api.request('POST', '/automations', { name: 'Runs', ...welcomeGraph(template.body.id) });
  automationId = automation.body.id;
  contactId = (await api.repos.contacts.create({ email: 'runner@example.com' }))!._id;
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.engine.liveStates.clear();
  api.engine.cancelled.length = 0;
  api.engine.onCancel = undefined;
  api.engine.failure = undefined;
});

function run(overrides: Partial<RunState> = {}): RunState {
  return makeRunState({ runId: uuidv7(), automationId, contactId, ...overrides });
}

describe('run mirror', () => {
  it('keeps the newest version and ignores stale writes', async () => {
    const state = run({ version: 3, status: 'completed', completedAt: Date.now() });
    await api.repos.runs.saveState(state);
    await api.repos.runs.saveState({ ...state, version: 2, status: 'running', completedAt: null });
    await api.repos.runs.saveState({ ...state, version: 3, status: 'running' });
    expect((await api.repos.runs.findById(state.runId))?.status).toBe('completed');

    await api.repos.runs.saveState({ ...state, version: 4, status: 'failed' });
    expect((await api.repos.runs.findById(state.runId))?.status).toBe('failed');
  });

  it('lets a finished state replace a running one of a higher version', async () => {
    // A workflow task that failed after writing v5 is retried after a cancel, whose path ends at v2.
    const state = run({ version: 5, status: 'running' });
    await api.repos.runs.saveState(state);
    await api.repos.runs.saveState({ ...state, version: 2, status: 'cancelled', completedAt: Date.now() });
    expect((await api.repos.runs.findById(state.runId))?.status).toBe('cancelled');

    await api.repos.runs.saveState({ ...state, version: 6, status: 'running' });
    expect((await api.repos.runs.findById(state.runId))?.status).toBe('cancelled');
  });

  it('stores outputs and payloads with dotted and dollar keys', async () => {
    const state = run({
      trigger: { eventId: 'e', event: 'order.paid', payload: { 'a.b': 1, $price: 2, nested: { 'x.y': [1, 2] } } },
    });
    state.steps[0]!.output = { 'odd.key': true, $op: 'kept' };
    await api.repos.runs.saveState(state);
    expect(await api.repos.runs.findById(state.runId)).toEqual(state);
  });
});

describe('run endpoints', () => {
  it('returns a run with its steps', async () => {
    const state = run({ status: 'completed', completedAt: Date.parse('2026-10-01T12:00:05.000Z') });
    await api.repos.runs.saveState(state);

    const response = await api.request('GET', `/automations/${automationId}/runs/${state.runId}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      object: 'automation_run',
      id: state.runId,
      automation_id: automationId,
      contact_id: contactId,
      trigger: { event: 'user.created', payload: { plan: 'pro' } },
      status: 'completed',
      started_at: '2026-10-01 12:00:00.000000+00',
      completed_at: '2026-10-01 12:00:05.000000+00',
      created_at: '2026-10-01 12:00:00.000000+00',
      steps: [
        {
          key: 'start',
          type: 'trigger',
          status: 'completed',
          output: null,
          error: null,
          started_at: '2026-10-01 12:00:00.000000+00',
          completed_at: '2026-10-01 12:00:00.000000+00',
          created_at: '2026-10-01 12:00:00.000000+00',
        },
      ],
    });
  });

  it('prefers the live state of a running run when it is newer', async () => {
    const state = run({ version: 2 });
    await api.repos.runs.saveState(state);
    const live: RunState = {
      ...state,
      version: 5,
      steps: [
        ...state.steps,
        { key: 'welcome', type: 'send_email', status: 'running', output: null, error: null, createdAt: 1, startedAt: 1, completedAt: null },
      ],
    };
    api.engine.liveStates.set(state.runId, live);
    const response = await api.request('GET', `/automations/${automationId}/runs/${state.runId}`);
    expect(response.body.steps.map((step: { key: string }) => step.key)).toEqual(['start', 'welcome']);

    api.engine.liveStates.set(state.runId, { ...live, version: 1 });
    const older = await api.request('GET', `/automations/${automationId}/runs/${state.runId}`);
    expect(older.body.steps.map((step: { key: string }) => step.key)).toEqual(['start']);
  });

  it('falls back to the mirror when the live query fails', async () => {
    const state = run();
    await api.repos.runs.saveState(state);
    api.engine.failure = new Error('deadline exceeded');
    const response = await api.request('GET', `/automations/${automationId}/runs/${state.runId}`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('running');
  });

  it('hides a run of another automation', async () => {
    const state = run({ automationId: uuidv7() });
    await api.repos.runs.saveState(state);
    const response = await api.request('GET', `/automations/${automationId}/runs/${state.runId}`);
    expect(response.status).toBe(404);
  });

  it('lists runs filtered by a status list', async () => {
    const running = run();
    const failed = run({ status: 'failed' });
    const cancelled = run({ status: 'cancelled' });
    for (const state of [running, failed, cancelled]) await api.repos.runs.saveState(state);

    const response = await api.request('GET', `/automations/${automationId}/runs?status=failed,cancelled&limit=100`);
    expect(response.status).toBe(200);
    const ids = response.body.data.map((item: { id: string }) => item.id);
    expect(ids).toContain(failed.runId);
    expect(ids).toContain(cancelled.runId);
    expect(ids).not.toContain(running.runId);
    expect(Object.keys(response.body.data[0]).sort()).toEqual(['completed_at', 'created_at', 'id', 'started_at', 'status']);
  });

  it('rejects an unknown status in the filter', async () => {
    const response = await api.request('GET', `/automations/${automationId}/runs?status=running,paused`);
    expect(response.status).toBe(422);
    expect(response.body.name).toBe('invalid_parameter');
    expect(response.body.message).toContain('running, completed, failed, cancelled, skipped');
  });
});

describe('run cancellation', () => {
  it('cancels a running run and returns it cancelled', async () => {
    const state = run({ version: 2 });
    await api.repos.runs.saveState(state);
    // Plays the worker: the workflow writes its cancelled state a little after the signal.
    api.engine.onCancel = async (runId) => {
      setTimeout(() => {
        void api.repos.runs.saveState({ ...state, runId, status: 'cancelled', completedAt: Date.now(), version: 3 });
      }, 150);
    };

    const response = await api.requestRaw('POST', `/automations/${automationId}/runs/${state.runId}/cancel`, undefined);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ object: 'automation_run', id: state.runId, status: 'cancelled' });
    expect(api.engine.cancelled).toEqual([{ runId: state.runId, reason: 'run_cancelled' }]);
  });

  it('returns an already cancelled run without signalling', async () => {
    const state = run({ status: 'cancelled' });
    await api.repos.runs.saveState(state);
    const response = await api.requestRaw('POST', `/automations/${automationId}/runs/${state.runId}/cancel`, undefined);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect(api.engine.cancelled).toEqual([]);
  });

  it('rejects cancelling a finished run', async () => {
    for (const status of ['completed', 'failed', 'skipped'] as const) {
      const state = run({ status });
      await api.repos.runs.saveState(state);
      const response = await api.requestRaw('POST', `/automations/${automationId}/runs/${state.runId}/cancel`, undefined);
      expect(response.status, status).toBe(422);
      expect(response.body.name).toBe('validation_error');
      expect(response.body.message).toContain(status);
    }
    expect(api.engine.cancelled).toEqual([]);
  });

  it('answers 503 when the signal cannot be sent', async () => {
    const state = run();
    await api.repos.runs.saveState(state);
    api.engine.failure = new Error('unavailable');
    const response = await api.requestRaw('POST', `/automations/${automationId}/runs/${state.runId}/cancel`, undefined);
    expect(response.status).toBe(503);
    expect(response.body.name).toBe('application_error');
  });
});
