import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactedUrl } from '../../config/redacted-url.js';

/** Longest a producer's command (an enqueue, a readiness ping) waits for Redis. */
const PRODUCER_TIMEOUT_MS = 2000;

export interface RedisConnectionOptions {
  url: string;
  log: Logger;
  /** Named in logs and in Redis's CLIENT LIST, e.g. `staffwire:serve`. */
  name: string;
  /**
   * Commands wait for a lost connection to come back instead of failing: what BullMQ's workers
   * need (their blocking reads must survive a Redis restart). Producers answer HTTP requests and
   * must fail fast instead: the run is in the store already and the sweeper enqueues it later.
   */
  waitForReconnect: boolean;
}

/**
 * One ioredis connection. Redis going away is logged once per outage, not once per retry, and
 * the URL is logged without its password.
 */
export function openRedis(options: RedisConnectionOptions): Redis {
  const redis = new Redis(options.url, {
    connectionName: options.name,
    lazyConnect: false,
    // A producer's command waits out a short blip (a reconnect) but gives up within commandTimeout.
    ...(options.waitForReconnect ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, commandTimeout: PRODUCER_TIMEOUT_MS }),
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.log.warn({ redis: redactedUrl(options.url), err: err.message }, 'Redis unreachable; retrying');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.log.info({ redis: redactedUrl(options.url) }, 'Redis reachable again');
  });
  return redis;
}
