import { describe, expect, it } from 'vitest';
import { InMemoryRateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { waitFor } from '../support/wait-for.js';

/** Sends a request that answers with the milliseconds from `start` at which it went. */
const sentAt = (limiter: InMemoryRateLimiter, key: string, start: number) => limiter.run(key, async () => Date.now() - start);

describe('InMemoryRateLimiter', () => {
  it('lets a burst of `limit` through at once, then one request per perMs/limit', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 2, perMs: 200 });
    const start = Date.now();
    const [a, b, c] = await Promise.all([sentAt(limiter, 'k', start), sentAt(limiter, 'k', start), sentAt(limiter, 'k', start)]);
    // The third waits for one token to come back: 200 ms / 2 after the burst (a lower bound only: a loaded machine is late, never early).
    expect(c).toBeGreaterThanOrEqual(Math.max(a, b) + 90);
  });

  it('keeps one bucket per key: one key spending its allowance does not slow another', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 1, perMs: 1000 });
    await limiter.run('lark:cli_a', async () => undefined);
    const order: string[] = [];
    const secondA = limiter.run('lark:cli_a', async () => void order.push('a'));
    const firstB = limiter.run('lark:cli_b', async () => void order.push('b'));
    await Promise.all([secondA, firstB]);
    // cli_a waits a second for its next token; cli_b has its own and goes first.
    expect(order).toEqual(['b', 'a']);
  });

  it('rejects a waiting acquire when its signal aborts, and the next in line still gets its turn', async () => {
    const limiter = new InMemoryRateLimiter({ limit: 1, perMs: 100 });
    await limiter.run('k', async () => undefined);
    const controller = new AbortController();
    let cancelledSent = false;
    const cancelled = limiter.run('k', async () => void (cancelledSent = true), controller.signal);
    const next = limiter.run('k', async () => 'sent');
    controller.abort();
    await expect(cancelled).rejects.toThrow();
    await expect(next).resolves.toBe('sent');
    expect(cancelledSent).toBe(false);
  });

  it('never sends, nor takes a token for, a request whose signal aborted while it waited in line', async () => {
    let now = 0;
    const wakers: (() => void)[] = [];
    const sleep = (_ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      return new Promise<void>((resolve) => wakers.push(resolve));
    };
    const limiter = new InMemoryRateLimiter({ limit: 2, perMs: 1000 }, () => now, sleep);
    await limiter.run('k', async () => undefined);
    await limiter.run('k', async () => undefined);
    const sent: string[] = [];
    const first = limiter.run('k', async () => void sent.push('first'));
    const abort = new AbortController();
    const aborted = limiter.run('k', async () => void sent.push('aborted'), abort.signal);
    const last = limiter.run('k', async () => void sent.push('last'));
    await waitFor(() => wakers.length === 1, 'the first in line to wait for a token');
    abort.abort();
    // At once, though two requests are still ahead of it in line.
    await expect(aborted).rejects.toThrow();
    expect((await limiter.state('k')).waiting).toBe(2);
    // Both tokens come back: the first takes one, and the one the aborted request left goes to the last.
    now = 1000;
    wakers.shift()!();
    await Promise.all([first, last]);
    expect(sent).toEqual(['first', 'last']);
    expect(wakers).toEqual([]);
  });

  it('reports on its own clock what a burst used, how many wait and when the next token comes, changing nothing', async () => {
    let now = 0;
    const limiter = new InMemoryRateLimiter({ limit: 3, perMs: 1000 }, () => now);
    const free = { limit: 3, perMs: 1000, used: 0, available: 3, waiting: 0, nextFreeInMs: 0 };
    expect(await limiter.state('k')).toEqual(free);
    await limiter.run('k', async () => undefined);
    await limiter.run('k', async () => undefined);
    expect(await limiter.state('k')).toEqual({ ...free, used: 2, available: 1 });
    // Read twice: reading takes no token.
    expect(await limiter.state('k')).toEqual({ ...free, used: 2, available: 1 });
    await limiter.run('k', async () => undefined);
    const fourth = limiter.run('k', async () => 'sent');
    const abort = new AbortController();
    const fifth = limiter.run('k', async () => 'sent', abort.signal);
    // One token comes back every 1000/3 ms, and the clock has not moved: both wait.
    expect(await limiter.state('k')).toEqual({ ...free, used: 3, available: 0, waiting: 2, nextFreeInMs: 334 });
    expect(await limiter.state('other')).toEqual(free);

    now = 500;
    expect(await limiter.state('k')).toEqual({ ...free, used: 2, available: 1, waiting: 2, nextFreeInMs: 0 });
    await expect(fourth).resolves.toBe('sent');
    abort.abort();
    await expect(fifth).rejects.toThrow();
    // The fourth took the whole token; half of the next one has come back.
    expect(await limiter.state('k')).toEqual({ ...free, used: 3, available: 0, waiting: 0, nextFreeInMs: 167 });
    now = 2000;
    expect(await limiter.state('k')).toEqual(free);
  });

  it('refuses a rate no request could ever meet', () => {
    expect(() => new InMemoryRateLimiter({ limit: 0, perMs: 1000 })).toThrow(RangeError);
    expect(() => new InMemoryRateLimiter({ limit: 1, perMs: 0 })).toThrow(RangeError);
  });
});
