import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/engine/retry/duration.js';
import { resolveRetryPolicy, retryDelayMs } from '../../src/engine/retry/retry-policy.js';

const fixed = resolveRetryPolicy({ initialDelay: '1s', backoffFactor: 2, maxDelay: '10s', jitter: false });
const jittered = resolveRetryPolicy({ initialDelay: '1s', backoffFactor: 2, maxDelay: '10s', jitter: true });

describe('resolveRetryPolicy', () => {
  it('fills the documented defaults: 3 attempts, 1s doubling up to 5m with jitter, transient categories only', () => {
    const policy = resolveRetryPolicy({});

    expect(policy).toMatchObject({ maxAttempts: 3, initialDelayMs: 1000, backoffFactor: 2, maxDelayMs: 300_000, jitter: true });
    expect([...policy.on].sort()).toEqual(['network', 'rate_limit', 'server', 'timeout']);
  });

  it('keeps an initial delay of zero', () => {
    expect(resolveRetryPolicy({ initialDelay: 0 }).initialDelayMs).toBe(0);
  });
});

describe('retryDelayMs', () => {
  it.each([
    { failedAttempt: 1, expected: 1000 },
    { failedAttempt: 2, expected: 2000 },
    { failedAttempt: 3, expected: 4000 },
    { failedAttempt: 4, expected: 8000 },
    { failedAttempt: 5, expected: 10_000 },
    { failedAttempt: 40, expected: 10_000 },
  ])('backs off exponentially, capped at maxDelay: after attempt $failedAttempt waits $expected ms', ({ failedAttempt, expected }) => {
    expect(retryDelayMs(fixed, failedAttempt, undefined)).toBe(expected);
  });

  it.each([
    { random: 0, expected: 2000 },
    { random: 0.5, expected: 3000 },
    { random: 0.999, expected: 3998 },
  ])('jitters between half and all of the step (random $random gives $expected ms)', ({ random, expected }) => {
    expect(retryDelayMs(jittered, 3, undefined, () => random)).toBe(expected);
  });

  it.each([
    { retryAfterMs: 30_000, policy: fixed, expected: 10_000, why: 'capped at maxDelay' },
    { retryAfterMs: 5000, policy: fixed, expected: 5000, why: 'longer than the backoff wins' },
    { retryAfterMs: 100, policy: fixed, expected: 1000, why: 'shorter than the backoff loses' },
    { retryAfterMs: 5000, policy: jittered, expected: 5000, why: 'wins over jitter too' },
  ])('honours Retry-After ($retryAfterMs ms, $why)', ({ retryAfterMs, policy, expected }) => {
    expect(retryDelayMs(policy, 1, retryAfterMs, () => 0)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each([
    { value: 250, expected: 250 },
    { value: '500ms', expected: 500 },
    { value: '30s', expected: 30_000 },
    { value: '5m', expected: 300_000 },
    { value: '2h', expected: 7_200_000 },
    { value: '1d', expected: 86_400_000 },
    { value: '1.5s', expected: undefined },
    { value: '-1s', expected: undefined },
    { value: -1, expected: undefined },
    { value: '10 minutes', expected: undefined },
  ])('reads $value as $expected', ({ value, expected }) => {
    expect(parseDuration(value)).toBe(expected);
  });
});
