import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { KeyedSerialQueue, type SerialQueue } from '../../connector-kit/keyed-serial-queue.js';

/** How long a lock outlives a holder that stopped renewing it (a killed worker). */
const LOCK_TTL_MS = 30_000;
const RENEW_EVERY_MS = LOCK_TTL_MS / 3;
/** Pauses between attempts on a held lock grow to this. */
const MAX_PAUSE_MS = 200;

/** Extends KEYS[1] only while ARGV[1] (this holder's token) holds it. */
const RENEW_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Deletes KEYS[1] only while ARGV[1] holds it: a holder whose lock expired never frees the next holder's. */
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A serial queue shared by every worker: tasks under one key queue in this process as before,
 * and each takes a Redis lock for the key before it runs, so two workers never write one Bitable
 * table (or payroll datasource, or app's freezes) at once. The lock expires if its holder dies,
 * so a killed worker blocks the key for at most LOCK_TTL_MS.
 */
export class RedisSerialQueue implements SerialQueue {
  private readonly local = new KeyedSerialQueue();

  constructor(
    private readonly redis: Redis,
    /** Prefix of the lock keys, naming the queue, e.g. `staffwire:lock:lark-bitable:table-writes:lark:`. */
    private readonly keyPrefix: string,
    private readonly log: Logger,
  ) {}

  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.local.run(key, () => this.locked(`${this.keyPrefix}${key}`, task, signal), signal);
  }

  private async locked<T>(lockKey: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const token = randomUUID();
    for (let pause = 5; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
      signal?.throwIfAborted();
      if ((await this.redis.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') break;
      await sleep(pause, undefined, signal ? { signal } : undefined);
    }
    const renewal = setInterval(() => {
      this.redis.eval(RENEW_IF_HELD, 1, lockKey, token, LOCK_TTL_MS).then(
        (held) => {
          if (Number(held) === 0) this.log.warn({ lock: lockKey }, 'a write lock expired while its write was under way: another worker may write the same target at once');
        },
        (err: Error) => this.log.warn({ lock: lockKey, err: err.message }, 'could not renew a write lock'),
      );
    }, RENEW_EVERY_MS);
    renewal.unref();
    try {
      return await task();
    } finally {
      clearInterval(renewal);
      await this.redis.eval(RELEASE_IF_HELD, 1, lockKey, token).catch((err: Error) => this.log.warn({ lock: lockKey, err: err.message }, 'could not release a write lock; it expires by itself'));
    }
  }
}
