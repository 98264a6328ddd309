import { describe, expect, it } from 'vitest';
import { InMemoryRateLimiter } from '../../src/connector-kit/rate-limiter.js';

/** Milliseconds from `start` at which each acquire resolved. */
async function grantTimes(acquires: Promise<void>[], start: number): Promise<number[]> {
  return Promise.all(acquires.map((acquire) => acquire.then(() => Date.now() - start)));
}

describe('InMemoryRateLimiter', () => {
  it('lets a burst of `limit` through at once, then one request per perMs/limit', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 2, perMs: 200 });
    const start = Date.now();
    const [a, b, c] = await grantTimes([limiter.acquire('k'), limiter.acquire('k'), limiter.acquire('k')], start);
    expect(a).toBeLessThan(50);
    expect(b).toBeLessThan(50);
    // The third waits for one token to come back: 200 ms / 2.
    expect(c).toBeGreaterThanOrEqual(90);
  });

  it('keeps one bucket per key: one key spending its allowance does not slow another', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 1, perMs: 1000 });
    await limiter.acquire('lark:cli_a');
    const start = Date.now();
    await limiter.acquire('lark:cli_b');
    expect(Date.now() - start).toBeLessThan(50);
  });

  it('rejects a waiting acquire when its signal aborts, and the next in line still gets its turn', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 1, perMs: 100 });
    await limiter.acquire('k');
    const controller = new AbortController();
    const cancelled = limiter.acquire('k', controller.signal);
    const next = limiter.acquire('k');
    controller.abort();
    await expect(cancelled).rejects.toThrow();
    await expect(next).resolves.toBeUndefined();
  });

  it('refuses a rate no request could ever meet', () => {
    expect(() => new InMemoryRateLimiter({ limit: 0, perMs: 1000 })).toThrow(RangeError);
    expect(() => new InMemoryRateLimiter({ limit: 1, perMs: 0 })).toThrow(RangeError);
  });
});
