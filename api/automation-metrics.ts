/** Collects an automation's metrics over a time window from the run mirror. */
import { buildStepMetrics, countEmails, medianPositions, percentilePosition } from '../domain/metrics.js';
import type { AutomationMetrics } from '../domain/metrics.js';
import { RUN_STATUSES } from '../domain/run-state.js';
import type { RunStatus } from '../domain/run-state.js';
import type { Automation } from '../repositories/automations.js';
import type { RunsRepository, RunWindow } from '../repositories/runs.js';

export const DEFAULT_METRICS_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** Returns the median of the finished runs' durations, which is the mean of the two middle values for an even count. */
async function medianDuration(runs: RunsRepository, window: RunWindow, finished: number): Promise<number | null> {
  const positions = medianPositions(finished);
  if (positions.length === 0) return null;
  const values = await runs.durationsAt(window, positions[0]!, positions.length, 'ascending');
  if (values.length === 0) return null;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the 95th percentile of the finished runs' durations, by the nearest-rank method. */
async function p95Duration(runs: RunsRepository, window: RunWindow, finished: number): Promise<number | null> {
  const position = percentilePosition(finished, 95);
  if (position === null) return null;
  // Counting from the longest run keeps the skip, and the sort's work, small.
  const [value] = await runs.durationsAt(window, finished - 1 - position, 1, 'descending');
  return value ?? null;
}

/** Runs the metric queries for the runs of `automation` created between `from` and `to`, bounds included. */
export async function collectAutomationMetrics(
  runs: RunsRepository,
  automation: Automation,
  range: { from: number; to: number },
): Promise<AutomationMetrics> {
  const window: RunWindow = { automationId: automation.id, ...range };
  const [byStatus, stepCounts, finished] = await Promise.all([
    runs.countByStatus(window),
    runs.countStepStatuses(window),
    runs.countFinished(window),
  ]);
  const [median, p95] = await Promise.all([
    medianDuration(runs, window, finished),
    p95Duration(runs, window, finished),
  ]);

  const runCounts = Object.fromEntries(RUN_STATUSES.map((status) => [status, byStatus.get(status) ?? 0])) as Record<RunStatus, number>;
  const steps = buildStepMetrics(automation.graph.steps, stepCounts);
  return {
    automationId: automation.id,
    from: range.from,
    to: range.to,
    runs: runCounts,
    steps,
    emails: countEmails(steps),
    durationMs: { median, p95 },
  };
}
