import { describe, expect, it } from 'vitest';
import {
  buildStepMetrics,
  countEmails,
  medianPositions,
  parseStepStatusEntry,
  percentilePosition,
  runDurationMs,
  stepStatusEntry,
} from '../../domain/metrics.js';
import { parseTimestamp } from '../../domain/time.js';

describe('parseTimestamp', () => {
  it.each([
    ['2026-10-01T12:00:00Z', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01T12:00:00.123Z', '2026-10-01T12:00:00.123Z'],
    ['2026-10-01T12:00:00.1234567Z', '2026-10-01T12:00:00.123Z'],
    ['2026-10-01t12:00z', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01T14:30:00+02:30', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01T07:00:00-0500', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01T13:00:00+01', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01 12:00:00.000000+00', '2026-10-01T12:00:00.000Z'],
    ['2026-10-01', '2026-10-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('parses %j', (text, iso) => {
    expect(parseTimestamp(text)).toBe(Date.parse(iso));
  });

  it.each([
    '',
    'now',
    '1790856000000',
    '2026-10-01T12:00:00',
    '2026-02-29',
    '2026-02-30T00:00:00Z',
    '2026-13-01',
    '2026-10-01T24:00:00Z',
    '2026-10-01T12:60:00Z',
    '2026-10-01T12:00:00+24:00',
    '2026-10-01T12:00:00Z trailing',
    ' 2026-10-01',
  ])('rejects %j', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('medianPositions and percentilePosition', () => {
  it.each([
    [0, []],
    [1, [0]],
    [2, [0, 1]],
    [5, [2]],
    [6, [2, 3]],
  ])('median of %i values reads positions %j', (count, positions) => {
    expect(medianPositions(count)).toEqual(positions);
  });

  it.each([
    [0, null],
    [1, 0],
    [19, 18],
    [20, 18],
    [21, 19],
    [100, 94],
  ])('p95 of %i values reads position %j', (count, position) => {
    expect(percentilePosition(count, 95)).toBe(position);
  });
});

describe('step status entries', () => {
  it('round-trips key, type and status', () => {
    const entry = stepStatusEntry({ key: 'send-welcome_1', type: 'send_email', status: 'skipped' });
    expect(entry).toBe('send-welcome_1:send_email:skipped');
    expect(parseStepStatusEntry(entry)).toEqual({ key: 'send-welcome_1', type: 'send_email', status: 'skipped' });
  });

  it.each(['welcome:send_email', 'welcome:email:completed', 'welcome:send_email:done', 'a:b:send_email:completed'])(
    'rejects %j',
    (entry) => {
      expect(parseStepStatusEntry(entry)).toBeNull();
    },
  );
});

describe('runDurationMs', () => {
  it('measures a finished run from its start', () => {
    expect(runDurationMs({ status: 'failed', createdAt: 100, startedAt: 150, completedAt: 1150 })).toBe(1000);
  });

  it('falls back to the creation time without a start', () => {
    expect(runDurationMs({ status: 'completed', createdAt: 100, startedAt: null, completedAt: 600 })).toBe(500);
  });

  it('returns null while the run is running', () => {
    expect(runDurationMs({ status: 'running', createdAt: 100, startedAt: 150, completedAt: null })).toBeNull();
  });
});

describe('buildStepMetrics', () => {
  it('lists graph steps in order, then earlier steps by key', () => {
    const steps = buildStepMetrics(
      [
        { key: 'start', type: 'trigger' },
        { key: 'welcome', type: 'send_email' },
      ],
      [
        { key: 'welcome', type: 'send_email', status: 'completed', count: 3 },
        { key: 'zeta', type: 'delay', status: 'waiting', count: 1 },
        { key: 'alpha', type: 'send_email', status: 'skipped', count: 2 },
        { key: 'welcome', type: 'send_email', status: 'skipped', count: 1 },
      ],
    );

    expect(steps.map((step) => step.key)).toEqual(['start', 'welcome', 'alpha', 'zeta']);
    expect(steps[0]!.counts).toEqual({ completed: 0, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 });
    expect(steps[1]!.counts).toEqual({ completed: 3, failed: 0, skipped: 1, waiting: 0, running: 0, pending: 0 });
    expect(countEmails(steps)).toEqual({ sent: 3, skipped: 3 });
  });
});
