import type { Clock, Sleep } from '../clock/clock.js';
import { realSleep } from '../clock/system-clock.js';

/** A client-side rate: at most `limit` requests in any `perMs` milliseconds, in bursts up to `limit`. */
export interface RateLimit {
  limit: number;
  perMs: number;
}

/**
 * A limiter's figures for one key, now: what a person watching a burst needs (how much of the
 * window is spent, how many wait), read without sending or counting anything.
 */
export interface RateLimitState {
  limit: number;
  perMs: number;
  /** Of `limit`, how many count against the window now: requests let go within it (shared limiter, answered or not), or tokens spent and not yet refilled (token bucket). */
  used: number;
  /** How many more requests may go at once now: `limit − used`. */
  available: number;
  /** Requests under the key waiting for a slot in this process. */
  waiting: number;
  /** Milliseconds until one more slot frees: 0 when one is free now; absent when the limiter cannot know (every slot held by a request not answered yet). */
  nextFreeInMs?: number;
}

/**
 * A limiter one connection's calls go through, as its connector makes it: the rate, the key its
 * requests count under, and what that covers in words, e.g. `every request of app cli_a1b2`.
 */
export interface ClientRateLimit {
  scope: string;
  key: string;
  rate: RateLimit;
}

/** The limiter a connection's `requestsPerSecond` setting asks for under `key`: none when it is unset. */
export function requestsPerSecondLimit(requestsPerSecond: number | undefined, key: string, scope: string): ClientRateLimit | undefined {
  return requestsPerSecond ? { scope, key, rate: { limit: requestsPerSecond, perMs: 1000 } } : undefined;
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
  /** The state of `key` now, changing nothing: a key never used is all free. */
  state(key: string): Promise<RateLimitState>;
}

/** A token bucket per key, in this process only (embedded mode). */
export class InMemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `now` and `sleep` are one clock: a test that moves time moves both. */
  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly sleep: Sleep = realSleep,
  ) {
    if (!(rate.limit >= 1 && rate.perMs > 0)) throw new RangeError(`a rate limit needs limit ≥ 1 and perMs > 0, not ${JSON.stringify(rate)}`);
  }

  async run<T>(key: string, request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rate, this.now, this.sleep);
      this.buckets.set(key, bucket);
    }
    // One process: a request is let go and sent in the same tick, so granting is counting.
    await bucket.acquire(signal);
    return request();
  }

  async state(key: string): Promise<RateLimitState> {
    const { limit, perMs } = this.rate;
    // A key never used has no bucket: a fresh one, not kept, reads as it would have.
    const bucket = this.buckets.get(key) ?? new TokenBucket(this.rate, this.now, this.sleep);
    const now = this.now();
    const available = Math.floor(bucket.tokensAt(now));
    return { limit, perMs, used: limit - available, available, waiting: bucket.waiting, nextFreeInMs: bucket.msUntilToken(now) };
  }
}

/** In-memory limiters that refill and wait on `clock`: moving the clock moves them. */
export function inMemoryRateLimiters(clock: Pick<Clock, 'now' | 'sleep'>): (rate: RateLimit) => RateLimiter {
  return (rate) => new InMemoryRateLimiter(rate, () => clock.now().getTime(), (ms, signal) => clock.sleep(ms, signal));
}

class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Acquires not granted yet: the one looking for a token and those queued behind it. */
  waiting = 0;

  constructor(
    private readonly rate: RateLimit,
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {
    this.tokens = rate.limit;
    this.last = now();
  }

  /**
   * Resolves once a token is taken for this request, in arrival order so none starves. An abort
   * rejects at once, wherever the request is in line, and when its turn comes it takes no token:
   * the next in line gets it.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waiting += 1;
    let counted = true;
    const leave = () => {
      if (counted) this.waiting -= 1;
      counted = false;
    };
    const turn = this.queue.then(() => this.take(signal)).finally(leave);
    this.queue = turn.catch(() => undefined);
    if (!signal) return turn;
    return new Promise<void>((resolve, reject) => {
      const abandon = () => {
        leave();
        reject(signal.reason);
      };
      signal.addEventListener('abort', abandon, { once: true });
      turn.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
    });
  }

  /** The tokens the bucket holds at `now`, refilled since it was last looked at. */
  tokensAt(now: number): number {
    return Math.min(this.rate.limit, this.tokens + ((now - this.last) * this.rate.limit) / this.rate.perMs);
  }

  /** Milliseconds from `now` until the bucket holds one whole token: 0 when it does. */
  msUntilToken(now: number): number {
    const tokens = this.tokensAt(now);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * this.rate.perMs) / this.rate.limit);
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      this.tokens = this.tokensAt(now);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(this.msUntilToken(now), signal);
    }
  }
}
