/**
 * Pure parts of the automation metrics: the per-step status entries the run
 * mirror stores, run durations, and the ranks used for median and p95.
 */
import { STEP_TYPES } from './graph.js';
import type { Step, StepType } from './graph.js';
import type { RunState, RunStatus, RunStepState, StepStatus } from './run-state.js';

export const STEP_STATUSES: readonly StepStatus[] = ['completed', 'failed', 'skipped', 'waiting', 'running', 'pending'];

export type StepStatusCounts = Record<StepStatus, number>;

export interface StepMetrics {
  key: string;
  type: StepType;
  counts: StepStatusCounts;
}

/** How many steps of one key, type and status the runs in a window reached. */
export interface StepStatusCount {
  key: string;
  type: StepType;
  status: StepStatus;
  count: number;
}

export interface AutomationMetrics {
  automationId: string;
  from: number;
  to: number;
  runs: Record<RunStatus, number>;
  steps: StepMetrics[];
  emails: { sent: number; skipped: number };
  durationMs: { median: number | null; p95: number | null };
}

/**
 * Encodes a step's status as `<key>:<type>:<status>`, one string per step, so
 * an aggregation can count them with `$unwind` and `$group` on the whole value.
 * Step keys contain only letters, digits, `_` and `-`, so `:` cannot occur in them.
 */
export function stepStatusEntry(step: Pick<RunStepState, 'key' | 'type' | 'status'>): string {
  return `${step.key}:${step.type}:${step.status}`;
}

/** Decodes a `stepStatusEntry` value, or returns null for a value in another form. */
export function parseStepStatusEntry(entry: string): Omit<StepStatusCount, 'count'> | null {
  const parts = entry.split(':');
  if (parts.length !== 3) return null;
  const [key, type, status] = parts as [string, string, string];
  if (!(STEP_TYPES as readonly string[]).includes(type)) return null;
  if (!(STEP_STATUSES as readonly string[]).includes(status)) return null;
  return { key, type: type as StepType, status: status as StepStatus };
}

/** Returns how long a finished run took, from its start to its completion, or null while it runs. */
export function runDurationMs(state: Pick<RunState, 'status' | 'createdAt' | 'startedAt' | 'completedAt'>): number | null {
  if (state.status === 'running' || state.completedAt === null) return null;
  return Math.max(0, state.completedAt - (state.startedAt ?? state.createdAt));
}

/**
 * Returns the zero-based positions, in ascending order, of the values whose
 * mean is the median of `count` sorted values: one position for an odd count,
 * the two middle ones for an even count, none for zero.
 */
export function medianPositions(count: number): number[] {
  if (count === 0) return [];
  const upper = Math.floor(count / 2);
  return count % 2 === 1 ? [upper] : [upper - 1, upper];
}

/**
 * Returns the zero-based position of the p-th percentile (0 < p <= 100) among
 * `count` values sorted in ascending order, by the nearest-rank method: the
 * smallest value that at least p percent of the values do not exceed.
 */
export function percentilePosition(count: number, percentile: number): number | null {
  if (count === 0) return null;
  return Math.max(1, Math.ceil((percentile / 100) * count)) - 1;
}

function compareByKeyThenType(a: StepMetrics, b: StepMetrics): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.type.localeCompare(b.type);
}

function zeroCounts(): StepStatusCounts {
  return { completed: 0, failed: 0, skipped: 0, waiting: 0, running: 0, pending: 0 };
}

/**
 * Builds the per-step metrics: every step of the automation's current graph in
 * graph order, then the steps that only earlier versions of the graph had,
 * ordered by key. A key counted under two types gets one entry per type.
 */
export function buildStepMetrics(graphSteps: readonly Pick<Step, 'key' | 'type'>[], counted: readonly StepStatusCount[]): StepMetrics[] {
  const byStep = new Map<string, StepMetrics>();
  const id = (key: string, type: StepType) => `${key}:${type}`;

  for (const step of graphSteps) {
    byStep.set(id(step.key, step.type), { key: step.key, type: step.type, counts: zeroCounts() });
  }

  const earlierSteps: StepMetrics[] = [];
  for (const entry of counted) {
    let metrics = byStep.get(id(entry.key, entry.type));
    if (!metrics) {
      metrics = { key: entry.key, type: entry.type, counts: zeroCounts() };
      byStep.set(id(entry.key, entry.type), metrics);
      earlierSteps.push(metrics);
    }
    metrics.counts[entry.status] += entry.count;
  }

  earlierSteps.sort(compareByKeyThenType);
  const current = graphSteps.map((step) => byStep.get(id(step.key, step.type))!);
  return [...current, ...earlierSteps];
}

/** Counts emails from `send_email` steps: a completed step sent one, a skipped step sent none. */
export function countEmails(steps: readonly StepMetrics[]): { sent: number; skipped: number } {
  let sent = 0;
  let skipped = 0;
  for (const step of steps) {
    if (step.type !== 'send_email') continue;
    sent += step.counts.completed;
    skipped += step.counts.skipped;
  }
  return { sent, skipped };
}
