/**
 * Retries of one operation inside an activity attempt. They suit a write
 * after a side effect, such as the record of an email already handed to
 * SMTP, where failing the attempt would make Temporal repeat the side effect.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../config/logger.js';

export interface RetryInPlaceOptions {
  /** Time after which no further attempt starts, in milliseconds; an attempt in progress may run past it. */
  budgetMs: number;
  /** Delay before the second attempt, in milliseconds; it doubles after each failure up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  log: Logger;
  /** Description of the operation for the log, e.g. "recording the email as sent". */
  description: string;
}

/**
 * Runs `operation` until it succeeds or the time budget is spent, waiting
 * with exponential backoff between attempts, and rethrows the last error.
 */
export async function retryInPlace<T>(operation: () => Promise<T>, options: RetryInPlaceOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  let delayMs = options.initialDelayMs;

  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw error;
      options.log.warn({ err: error, attempt, retryInMs: delayMs }, `${options.description} failed; retrying`);
    }
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, options.maxDelayMs);
  }
}
