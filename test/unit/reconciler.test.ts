import { describe, expect, it } from 'vitest';
import type { RunState } from '../../domain/run-state.js';
import { closeRun } from '../../engine/reconciler.js';

function waitingRun(): RunState {
  return {
    runId: '01900000-0000-7000-8000-000000000001',
    automationId: '01900000-0000-7000-8000-000000000002',
    contactId: '01900000-0000-7000-8000-000000000003',
    status: 'running',
    trigger: { eventId: '01900000-0000-7000-8000-000000000004', event: 'user.created', payload: {} },
    steps: [
      { key: 'start', type: 'trigger', status: 'completed', output: {}, error: null, createdAt: 1, startedAt: 1, completedAt: 2 },
      { key: 'wait', type: 'delay', status: 'waiting', output: null, error: null, createdAt: 2, startedAt: 2, completedAt: null },
    ],
    createdAt: 1,
    startedAt: 1,
    completedAt: null,
    version: 5,
  };
}

describe('closeRun', () => {
  it('cancels a terminated run and skips its open step', () => {
    const closed = closeRun(waitingRun(), 'TERMINATED', 100);

    expect(closed.status).toBe('cancelled');
    expect(closed.completedAt).toBe(100);
    expect(closed.version).toBe(6);
    expect(closed.steps[0]).toEqual(waitingRun().steps[0]);
    expect(closed.steps[1]).toMatchObject({ status: 'skipped', error: null, completedAt: 100 });
  });

  it('fails a timed-out run and names the cause on its open step', () => {
    const closed = closeRun(waitingRun(), 'TIMED_OUT', 100);

    expect(closed.status).toBe('failed');
    expect(closed.version).toBe(6);
    expect(closed.steps[1]?.status).toBe('failed');
    expect(closed.steps[1]?.error?.name).toBe('workflow_closed');
    expect(closed.steps[1]?.error?.message).toContain('TIMED_OUT');
  });

  it('leaves the state it was given unchanged', () => {
    const state = waitingRun();
    closeRun(state, 'TERMINATED', 100);

    expect(state).toEqual(waitingRun());
  });
});
