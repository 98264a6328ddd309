import { setTimeout as sleep } from 'node:timers/promises';

/** A client-side rate: at most `limit` requests in any `perMs` milliseconds, in bursts up to `limit`. */
export interface RateLimit {
  limit: number;
  perMs: number;
}

/**
 * Client-side rate limiting, so a burst of runs stays under a vendor's documented limit instead
 * of collecting 429s. The key names what the vendor counts (`lark:<appId>`, `docusign:<accountId>`,
 * per API once limits are per API: `lark:<appId>:<api>`): the in-memory limiter keeps one bucket
 * per key in this process; a shared one (queue mode, on Redis) keeps one per key across processes,
 * which is why the key, not the limiter object, is the identity.
 */
export interface RateLimiter {
  /**
   * Sends `request` under `key` once the limit lets one more go, in arrival order, and resolves
   * with its answer; rejects without sending when `signal` aborts first. A limiter shared by
   * processes counts the request until it is answered, not only when it was let go: the vendor
   * counts it when it arrives, which can be any time in between.
   */
  run<T>(key: string, request: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** A token bucket per key, in this process only (embedded mode). */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
  ) {
    if (!(rate.limit >= 1 && rate.perMs > 0)) throw new RangeError(`a rate limit needs limit ≥ 1 and perMs > 0, not ${JSON.stringify(rate)}`);
  }

  async run<T>(key: string, request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.now);
      this.buckets.set(key, bucket);
    }
    // One process: a request is let go and sent in the same tick, so granting is counting.
    await bucket.acquire(signal);
    return request();
  }
}

class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number,
  ) {
    this.tokens = rate.limit;
    this.last = now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    // Requests queue in arrival order so none starves.
    const turn = this.queue.then(() => this.take(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    const { limit, perMs } = this.rate;
    for (;;) {
      const now = this.now();
      this.tokens = Math.min(limit, this.tokens + ((now - this.last) * limit) / perMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) * perMs) / limit), undefined, signal ? { signal } : undefined);
    }
  }
}
