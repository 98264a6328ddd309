import { setTimeout as sleep } from 'node:timers/promises';
import { StaffwireError } from '../errors/index.js';

export interface TransientRetryOptions {
  /** Attempts in all. */
  attempts: number;
  /** First back-off when the server gives no advice. */
  baseDelayMs: number;
  /** A wait longer than this is not slept here: the error goes up with its retryAfterMs, so the engine can park the run. */
  maxInlineDelayMs: number;
  signal?: AbortSignal;
  onRetry?: (error: StaffwireError, attempt: number, delayMs: number) => void;
}

/**
 * Vendor clients sleep through waits up to this long; a longer one goes to the engine, which parks
 * the run. The same as the engine's default `limits.inlineRetryMaxMs`.
 */
export const DEFAULT_MAX_INLINE_DELAY_MS = 2000;

const TRANSIENT = new Set(['rate_limit', 'server', 'timeout', 'network']);

/**
 * Retries a vendor call on 429, 5xx, timeouts and network errors, honouring the server's
 * Retry-After / x-ogw-ratelimit-reset. Short waits happen here; long ones go back to the engine.
 */
export async function retryTransient<T>(call: (attempt: number) => Promise<T>, options: TransientRetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!(err instanceof StaffwireError) || !TRANSIENT.has(err.category) || attempt >= options.attempts) throw err;
      const delay = err.retryAfterMs ?? options.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      if (delay > options.maxInlineDelayMs) throw err;
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
