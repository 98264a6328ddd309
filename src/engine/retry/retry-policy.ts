import { RETRYABLE_BY_DEFAULT, type ErrorCategory } from '../../errors/index.js';
import type { RetryPolicy } from '../flow-types.js';
import { parseDuration } from './duration.js';

export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  backoffFactor: number;
  maxDelayMs: number;
  jitter: boolean;
  on: ReadonlySet<ErrorCategory>;
}

export function resolveRetryPolicy(policy: RetryPolicy): ResolvedRetryPolicy {
  return {
    maxAttempts: policy.maxAttempts ?? 3,
    initialDelayMs: parseDuration(policy.initialDelay) ?? 1000,
    backoffFactor: policy.backoffFactor ?? 2,
    maxDelayMs: parseDuration(policy.maxDelay) ?? 300_000,
    jitter: policy.jitter ?? true,
    on: new Set(policy.on ?? RETRYABLE_BY_DEFAULT),
  };
}

/**
 * Delay before attempt `failedAttempt + 1`: exponential, capped, with "equal jitter" (between half
 * and all of the step) so retries of many runs spread out. A server's own advice (Retry-After)
 * wins when it asks for longer, still capped by maxDelay.
 */
export function retryDelayMs(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoffFactor ** (failedAttempt - 1));
  const base = policy.jitter ? exponential / 2 + random() * (exponential / 2) : exponential;
  const advised = retryAfterMs === undefined ? 0 : Math.min(policy.maxDelayMs, retryAfterMs);
  return Math.round(Math.max(base, advised));
}
