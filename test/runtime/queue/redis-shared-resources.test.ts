import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../../src/runtime/queue/redis-rate-limiter.js';
import { RedisSerialQueue } from '../../../src/runtime/queue/redis-serial-queue.js';
import { dropPrefix, TEST_REDIS_URL, testPrefix } from '../../support/redis-prefix.js';

const log = pino({ level: 'silent' });

/** Redis's own clock, in ms: the one the limiter's window is scored on. */
async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** A request under `key` that the limiter has let go and that is held out until `answer()`. */
async function requestOut(limiter: RedisRateLimiter, key: string): Promise<{ answer: () => void; answered: Promise<string> }> {
  let answer: () => void = () => {};
  let out: () => void = () => {};
  const isOut = new Promise<void>((resolve) => (out = resolve));
  const answered = limiter.run(key, () => {
    out();
    return new Promise<string>((resolve) => (answer = () => resolve('answered')));
  });
  await isOut;
  return { answer: () => answer(), answered };
}

describe('resources shared by workers through Redis', () => {
  let prefix: string;
  const connections: Redis[] = [];
  /** A connection of its own, as another worker process would have. */
  const connect = () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(redis);
    return redis;
  };

  beforeEach(() => {
    prefix = testPrefix('shared');
  });
  afterEach(async () => {
    for (const redis of connections.splice(0)) redis.disconnect();
    await dropPrefix(prefix);
  });

  it('two limiters on separate connections share one window per key: the limit counts requests from both', async () => {
    // A window far longer than the test: whatever is granted in it was granted by the count alone.
    const rate = { limit: 5, perMs: 600_000 };
    const a = new RedisRateLimiter(connect(), rate, `${prefix}:rate:`);
    const b = new RedisRateLimiter(connect(), rate, `${prefix}:rate:`);
    await Promise.all([a, b, a, b, a].map((limiter) => limiter.run('lark:cli_app', async () => undefined)));
    const abort = new AbortController();
    let sixthGranted = false;
    const sixth = b.run('lark:cli_app', async () => void (sixthGranted = true), abort.signal);
    const window = `${prefix}:rate:lark:cli_app:5/600000`;
    // The sixth has asked Redis at least once by the time it is pausing; the window still holds five.
    await connect().ping();
    expect(await connect().zcard(window)).toBe(5);
    expect(sixthGranted).toBe(false);
    abort.abort();
    await expect(sixth).rejects.toThrow();
    expect(await connect().zcard(window)).toBe(5);
  });

  it('keys are independent: a full window on one app does not hold another', async () => {
    const limiter = new RedisRateLimiter(connect(), { limit: 1, perMs: 60_000 }, `${prefix}:rate:`);
    await limiter.run('lark:app-a', async () => undefined);
    await expect(limiter.run('lark:app-b', async () => 'sent')).resolves.toBe('sent');
    const abort = new AbortController();
    const waiting = limiter.run('lark:app-a', async () => 'sent', abort.signal);
    abort.abort();
    await expect(waiting).rejects.toThrow();
  });

  it('counts a request from when it is let go until it is answered: one delayed on its way cannot share a vendor window with the next', async () => {
    const limiter = new RedisRateLimiter(connect(), { limit: 1, perMs: 1000 }, `${prefix}:rate:`);
    const window = `${prefix}:rate:lark:cli_app:1/1000`;
    const redis = connect();
    const first = await requestOut(limiter, 'lark:cli_app');
    // While out, its slot is scored far past any window: however long it takes, it still counts.
    const [, outScore] = await redis.zrange(window, 0, -1, 'WITHSCORES');
    expect(Number(outScore)).toBeGreaterThan((await redisNow(redis)) + 30_000);
    const answeredAfter = await redisNow(redis);
    first.answer();
    await expect(first.answered).resolves.toBe('answered');
    // Answered: it counts from the moment of its answer, for one window from then.
    const [, answeredScore] = await redis.zrange(window, 0, -1, 'WITHSCORES');
    expect(Number(answeredScore)).toBeGreaterThanOrEqual(answeredAfter);
    expect(Number(answeredScore)).toBeLessThanOrEqual(await redisNow(redis));
  });

  it('frees the slot of a request that failed, from the moment it failed, and passes its error on', async () => {
    const limiter = new RedisRateLimiter(connect(), { limit: 1, perMs: 1000 }, `${prefix}:rate:`);
    const redis = connect();
    await expect(limiter.run('lark:cli_app', () => Promise.reject(new Error('vendor down')))).rejects.toThrow('vendor down');
    const failedBy = await redisNow(redis);
    const [, score] = await redis.zrange(`${prefix}:rate:lark:cli_app:1/1000`, 0, -1, 'WITHSCORES');
    expect(Number(score)).toBeLessThanOrEqual(failedBy);
  });

  it("reads the window every worker shares without writing to it: what is used, requests out included, and this limiter's own waiting", async () => {
    // A window far longer than the test: nothing lapses while it looks.
    const rate = { limit: 2, perMs: 600_000 };
    const worker = new RedisRateLimiter(connect(), rate, `${prefix}:rate:`);
    const serve = new RedisRateLimiter(connect(), rate, `${prefix}:rate:`);
    const window = `${prefix}:rate:lark:cli_app:2/600000`;
    const free = { limit: 2, perMs: 600_000, used: 0, available: 2, waiting: 0, nextFreeInMs: 0 };
    expect(await serve.state('lark:cli_app')).toEqual(free);
    expect(await connect().exists(window)).toBe(0);

    await worker.run('lark:cli_app', async () => undefined);
    const second = await requestOut(worker, 'lark:cli_app');
    const abort = new AbortController();
    const third = worker.run('lark:cli_app', async () => 'sent', abort.signal);

    const redis = connect();
    // The answered one lapses first, one window and its guard (a tenth) after its answer. Moved
    // five minutes back, as if answered then, it lapses six minutes from now (11 minutes were it
    // counted from now). In whole minutes the answer is exact: less than a minute passes between
    // the move and the read (the test's own timeout is 30 s), however loaded the machine.
    const [answeredId, answeredAt] = await redis.zrange(window, 0, 0, 'WITHSCORES');
    await redis.zadd(window, 'XX', Number(answeredAt) - 300_000, answeredId!);
    const seen = await serve.state('lark:cli_app');
    expect(seen).toEqual({ ...free, used: 2, available: 0, nextFreeInMs: expect.any(Number) });
    expect(Math.round(seen.nextFreeInMs! / 60_000)).toBe(6);
    expect(await worker.state('lark:cli_app')).toMatchObject({ used: 2, waiting: 1 });
    expect(await connect().zcard(window)).toBe(2);

    abort.abort();
    await expect(third).rejects.toThrow();
    expect((await worker.state('lark:cli_app')).waiting).toBe(0);
    second.answer();
    await expect(second.answered).resolves.toBe('answered');
  });

  it('cannot say when a slot frees while every slot is held by a request still out', async () => {
    const limiter = new RedisRateLimiter(connect(), { limit: 1, perMs: 600_000 }, `${prefix}:rate:`);
    const request = await requestOut(limiter, 'lark:cli_app');
    expect(await limiter.state('lark:cli_app')).toEqual({ limit: 1, perMs: 600_000, used: 1, available: 0, waiting: 0 });
    request.answer();
    await request.answered;
    expect(await limiter.state('lark:cli_app')).toEqual({ limit: 1, perMs: 600_000, used: 1, available: 0, waiting: 0, nextFreeInMs: expect.any(Number) });
  });

  it('two serial queues on separate connections never run tasks of one key at once, and do run other keys', async () => {
    const a = new RedisSerialQueue(connect(), `${prefix}:lock:lark-bitable:table-writes:lark:`, log);
    const b = new RedisSerialQueue(connect(), `${prefix}:lock:lark-bitable:table-writes:lark:`, log);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const task = (n: number) => async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(n);
      inside--;
      return n;
    };
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => (n % 2 === 0 ? a : b).run('app/tbl1', task(n))));
    expect(results).toEqual(Array.from({ length: 12 }, (_, n) => n));
    expect(most).toBe(1);
    expect(order).toHaveLength(12);
    // The lock is released after each task: nothing is left holding the key.
    expect(await connect().exists(`${prefix}:lock:lark-bitable:table-writes:lark:app/tbl1`)).toBe(0);
  });

  it('a failed task releases the key for the next one', async () => {
    const a = new RedisSerialQueue(connect(), `${prefix}:lock:q:`, log);
    const b = new RedisSerialQueue(connect(), `${prefix}:lock:q:`, log);
    await expect(a.run('k', async () => Promise.reject(new Error('Bitable said no')))).rejects.toThrow('Bitable said no');
    await expect(b.run('k', async () => 'next')).resolves.toBe('next');
  });
});
