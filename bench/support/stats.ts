/** Latency summaries and bounded request loops for the benchmarks. */

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Returns the value at quantile `q` (0..1) of `sorted`, by the nearest-rank method. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(quantile(sorted, 0.5)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface BoundedLoopOptions {
  /** Maximum number of calls. */
  count: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** No call starts after this many milliseconds from the start of the loop. */
  timeLimitMs: number;
}

export interface BoundedLoopResult {
  /** Calls that resolved. */
  completed: number;
  /** Calls that rejected; the first error is kept. */
  failed: number;
  firstError: unknown;
  latenciesMs: number[];
  elapsedMs: number;
  /** True when the loop stopped at the time limit before reaching `count`. */
  timedOut: boolean;
}

/**
 * Calls `task(i)` for i = 0..count-1 with at most `concurrency` calls in
 * flight, and stops starting calls once `timeLimitMs` has passed. Every call
 * that started is awaited, so nothing is left running.
 */
export async function runBounded(options: BoundedLoopOptions, task: (index: number) => Promise<void>): Promise<BoundedLoopResult> {
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  let firstError: unknown;
  let timedOut = false;

  const lane = async (): Promise<void> => {
    while (next < options.count) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      const index = next;
      next += 1;
      const callStarted = performance.now();
      try {
        await task(index);
        latenciesMs.push(performance.now() - callStarted);
      } catch (error) {
        failed += 1;
        firstError ??= error;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, lane));
  return {
    completed: latenciesMs.length,
    failed,
    firstError,
    latenciesMs,
    elapsedMs: performance.now() - started,
    timedOut,
  };
}

/**
 * Calls `read` every `intervalMs` until `done` accepts its value or
 * `timeoutMs` passes. Returns the last value and whether `done` accepted it.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { intervalMs: number; timeoutMs: number },
): Promise<{ value: T; reached: boolean; elapsedMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    const elapsedMs = performance.now() - started;
    if (done(value)) return { value, reached: true, elapsedMs };
    if (elapsedMs > options.timeoutMs) return { value, reached: false, elapsedMs };
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
