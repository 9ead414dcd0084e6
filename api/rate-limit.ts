/**
 * Per-key request rate limit (`RATE_LIMIT_PER_SECOND`): a fixed one-second
 * window per API key, counted in this process's memory.
 *
 * NOTE: each API process counts on its own, so N API processes behind a load
 * balancer let a key make up to N times the limit, and a restart resets the
 * counts. A fixed window also lets a key make up to twice the limit within
 * one second that spans two windows.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { ApiError } from './errors.js';

const WINDOW_MS = 1000;
/** Windows kept before stale ones are dropped; one per key that made a request in the current second. */
const MAX_TRACKED_KEYS = 10_000;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one. */
  remaining: number;
  /** Milliseconds until the current window ends. */
  resetMs: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request by `keyId` and decides whether it may proceed. */
  take(keyId: string): RateLimitDecision {
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      if (this.windows.size >= MAX_TRACKED_KEYS) this.dropStaleWindows(start);
      window = { start, count: 0 };
      this.windows.set(keyId, window);
    }

    const resetMs = start + WINDOW_MS - now;
    if (window.count >= this.limit) return { allowed: false, limit: this.limit, remaining: 0, resetMs };
    window.count += 1;
    return { allowed: true, limit: this.limit, remaining: this.limit - window.count, resetMs };
  }

  private dropStaleWindows(currentStart: number): void {
    for (const [keyId, window] of this.windows) {
      if (window.start !== currentStart) this.windows.delete(keyId);
    }
  }
}

/**
 * Applies the limiter to the authenticated key. Every response carries
 * `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds until
 * the window ends). A request over the limit gets 429 `rate_limit_exceeded`
 * with `retry-after` in seconds.
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const decision = limiter.take(c.var.apiKeyId);
    const resetSeconds = String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
    const headers: Record<string, string> = {
      'ratelimit-limit': String(decision.limit),
      'ratelimit-remaining': String(decision.remaining),
      'ratelimit-reset': resetSeconds,
    };

    if (!decision.allowed) {
      throw new ApiError(
        429,
        'rate_limit_exceeded',
        `Too many requests: this API key may make ${decision.limit} requests per second. Retry after the number of seconds in the retry-after header.`,
        { ...headers, 'retry-after': resetSeconds },
      );
    }

    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
