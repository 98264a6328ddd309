import type { Sleep } from '../clock/clock.js';
import { realSleep } from '../clock/system-clock.js';
import { StaffwireError } from '../errors/index.js';

export interface TransientRetryOptions {
  /** Attempts in all, the first included (ActionContext.inlineAttempts); below 1 counts as 1. */
  attempts: number;
  /** First back-off when the server gives no advice. */
  baseDelayMs: number;
  /** A wait longer than this is not slept here: the error goes up with its retryAfterMs, so the engine can park the run. */
  maxInlineDelayMs: number;
  signal?: AbortSignal;
  onRetry?: (error: StaffwireError, attempt: number, delayMs: number) => void;
  /** How a back-off is waited (ActionContext.sleep); default real time. */
  sleep?: Sleep;
}

/**
 * Vendor clients sleep through waits up to this long; a longer one goes to the engine, which parks
 * the run. The same as the engine's default `limits.inlineRetryMaxMs`.
 */
export const DEFAULT_MAX_INLINE_DELAY_MS = 2000;

/**
 * Attempts a vendor client makes on its own when the step has no retry policy. The engine passes
 * it as ActionContext.inlineAttempts then, and 1 when the step's policy owns the retries.
 */
export const DEFAULT_INLINE_ATTEMPTS = 3;

const TRANSIENT = new Set(['rate_limit', 'server', 'timeout', 'network']);

/**
 * Retries a vendor call on 429, 5xx, timeouts and network errors, honouring the server's
 * Retry-After / x-ogw-ratelimit-reset. Short waits happen here; long ones go back to the engine.
 * With `attempts: 1` (the step's retry policy owns the budget) the first failure goes up as it is.
 */
export async function retryTransient<T>(call: (attempt: number) => Promise<T>, options: TransientRetryOptions): Promise<T> {
  // A budget that is not a number must not turn into endless retries.
  const attempts = Math.max(1, Math.floor(options.attempts) || 1);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!(err instanceof StaffwireError) || !TRANSIENT.has(err.category) || attempt >= attempts) throw err;
      const delay = err.retryAfterMs ?? options.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      if (delay > options.maxInlineDelayMs) throw err;
      options.onRetry?.(err, attempt, delay);
      await (options.sleep ?? realSleep)(delay, options.signal);
    }
  }
}
