import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RateLimit, RateLimiter, RateLimitState } from '../../connector-kit/rate-limiter.js';

/**
 * A sliding-window log per key in Redis: one more request goes when fewer than `limit` are out
 * or were answered in the last `perMs` by Redis's own clock (TIME), so every worker counts
 * against one window whatever its own clock says. A request let go is scored IN_FLIGHT_MS ahead
 * (it stays in the window however long it is out) until ANSWERED re-scores it with the moment
 * its answer came. Answers 0 when the request may go, else how many ms to wait. Touches
 * KEYS[1] only, a sorted set of request ids.
 */
const SLIDING_WINDOW_ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], per + tonumber(ARGV[4]))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + per - now)
`;

/** A request was answered: from now on it counts from this moment (Redis TIME), for one window. */
const ANSWERED = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
`;

/**
 * The window of KEYS[1] as SLIDING_WINDOW_ACQUIRE sees it, changing nothing: how many requests
 * count (out, or answered within the last ARGV[2] ms), and the ms until the oldest of them lapses —
 * 0 when fewer than ARGV[1] count, -1 when every one is out (it lapses when answered, which
 * nobody can know).
 */
const SLIDING_WINDOW_STATE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local per = tonumber(ARGV[2])
local since = '(' .. (now - per)
local used = redis.call('ZCOUNT', KEYS[1], since, '+inf')
if used < tonumber(ARGV[1]) then return {used, 0} end
local oldest = tonumber(redis.call('ZRANGEBYSCORE', KEYS[1], since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2])
if oldest > now then return {used, -1} end
return {used, math.max(1, oldest + per - now)}
`;

/**
 * Longer than any request is out (the HTTP client gives up after 30 s). A worker killed with
 * requests out leaves their slots taken this long, then they lapse.
 */
const IN_FLIGHT_MS = 60_000;

/**
 * A request keeps its slot this much longer than the vendor's window: the vendor counts by its
 * own clock, which is not Redis's, and a vendor counting fixed windows would see one too many
 * at the edge of a window that its clock starts a little later.
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
  /** Requests of this process per key that have not been let go yet. */
  private readonly waiting = new Map<string, number>();
  /** The window a request counts in: the rate's, and the guard. */
  private readonly windowMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly rate: RateLimit,
    /** Prefix of the Redis keys, e.g. `staffwire:rate:`. */
    private readonly keyPrefix: string,
    /** Where `state` reads: a connection that fails fast, since an API request waits for the answer. */
    private readonly reader: Redis = redis,
  ) {
    if (!(rate.limit >= 1 && rate.perMs > 0)) throw new RangeError(`a rate limit needs limit ≥ 1 and perMs > 0, not ${JSON.stringify(rate)}`);
    this.windowMs = rate.perMs + guardMs(rate.perMs);
  }

  async run<T>(key: string, request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const redisKey = this.redisKey(key);
    const id = randomUUID();
    this.countWaiting(key, 1);
    try {
      await this.turn(key, () => this.take(redisKey, id, signal));
    } finally {
      this.countWaiting(key, -1);
    }
    try {
      return await request();
    } finally {
      // Should Redis not take it, the slot lapses after IN_FLIGHT_MS: the answer matters more.
      await this.redis.eval(ANSWERED, 1, redisKey, id).catch(() => undefined);
    }
  }

  async state(key: string): Promise<RateLimitState> {
    const { limit, perMs } = this.rate;
    const [used, wait] = (await this.reader.eval(SLIDING_WINDOW_STATE, 1, this.redisKey(key), limit, this.windowMs)) as [number, number];
    return { limit, perMs, used, available: Math.max(0, limit - used), waiting: this.waiting.get(key) ?? 0, ...(wait >= 0 ? { nextFreeInMs: wait } : {}) };
  }

  private redisKey(key: string): string {
    return `${this.keyPrefix}${key}:${this.rate.limit}/${this.rate.perMs}`;
  }

  private countWaiting(key: string, change: 1 | -1): void {
    const count = (this.waiting.get(key) ?? 0) + change;
    if (count === 0) this.waiting.delete(key);
    else this.waiting.set(key, count);
  }

  /** Waits for the requests under `key` that asked before this one to be let go, then asks. */
  private turn(key: string, ask: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(ask);
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }

  private async take(redisKey: string, id: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = Number(await this.redis.eval(SLIDING_WINDOW_ACQUIRE, 1, redisKey, this.rate.limit, this.windowMs, id, IN_FLIGHT_MS));
      if (waitMs === 0) return;
      await sleep(Math.min(waitMs, MAX_PAUSE_MS), undefined, signal ? { signal } : undefined);
    }
  }
}
