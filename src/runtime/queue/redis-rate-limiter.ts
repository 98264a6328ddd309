import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RateLimit, RateLimiter } from '../../connector-kit/rate-limiter.js';

/**
 * A sliding-window log per key in Redis: one more request goes when fewer than `limit` went in
 * the last `perMs` by Redis's own clock (TIME), so every worker counts against one window
 * whatever its own clock says. Answers 0 when the request may go, else how many ms to wait.
 * Touches KEYS[1] only, a sorted set of request ids scored by when they went.
 */
const SLIDING_WINDOW_ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)
`;

/**
 * A request keeps its slot this much longer than the vendor's window: two requests granted a
 * window apart can arrive closer together (one delayed on its way), and a vendor counting fixed
 * windows from its own clock would then see one too many.
 */
function guardMs(perMs: number): number {
  return Math.max(100, Math.ceil(perMs / 10));
}

/** Longest pause between two looks at a full window: a slot freed early is noticed soon. */
const MAX_PAUSE_MS = 250;

/**
 * Queue mode's limiter: one window per key shared by every process on the Redis, so N workers
 * stay within a vendor's per-app limit instead of N times it. Within a process, requests under
 * one key queue in arrival order so they do not all poll Redis at once.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly rate: RateLimit,
    /** Prefix of the Redis keys, e.g. `staffwire:rate:`. */
    private readonly keyPrefix: string,
  ) {
    if (!(rate.limit >= 1 && rate.perMs > 0)) throw new RangeError(`a rate limit needs limit ≥ 1 and perMs > 0, not ${JSON.stringify(rate)}`);
  }

  acquire(key: string, signal?: AbortSignal): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.take(key, signal));
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }

  private async take(key: string, signal?: AbortSignal): Promise<void> {
    const redisKey = `${this.keyPrefix}${key}:${this.rate.limit}/${this.rate.perMs}`;
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = Number(await this.redis.eval(SLIDING_WINDOW_ACQUIRE, 1, redisKey, this.rate.limit, this.rate.perMs + guardMs(this.rate.perMs), randomUUID()));
      if (waitMs === 0) return;
      await sleep(Math.min(waitMs, MAX_PAUSE_MS), undefined, signal ? { signal } : undefined);
    }
  }
}
