import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.js';
import type { QueueConfig } from '../../config/config.js';
import type { ConnectionResourcesOptions } from '../../connector-kit/connection-resources.js';
import type { Engine } from '../../engine/engine.js';
import type { Store } from '../../store/store.js';
import { DEFAULT_POLL_MS } from '../embedded-runtime.js';
import { DueRunEnqueuer } from './due-run-enqueuer.js';
import { QueueRuntime } from './queue-runtime.js';
import { QueueWorker } from './queue-worker.js';
import { openRedis } from './redis-connection.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisSerialQueue } from './redis-serial-queue.js';
import { RUN_QUEUE, WakeUpQueue } from './wake-up-queue.js';

export interface QueueModeOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Named on the Redis connections, e.g. `serve` or `worker`. */
  role: string;
}

/** What a process in queue mode holds besides the store: its Redis connections and what runs on them. */
export interface QueueMode {
  /** Enqueues what falls due; `serve`'s runtime. */
  runtime: QueueRuntime;
  wakeUps: WakeUpQueue;
  enqueuer: DueRunEnqueuer;
  /** Rate limiters and serial write queues shared by every worker. */
  sharedResources: ConnectionResourcesOptions;
  /** Set once `startWorker` made this process a worker. */
  worker: QueueWorker | undefined;
  /** The worker of this process (started by the app's start). */
  startWorker(engine: Engine, concurrency: number): QueueWorker;
  /** Jobs BullMQ moved back from a worker that stopped renewing them, as this process heard (serve only). */
  stalledRecoveries(): number;
  /** Resolves when Redis answers PING; rejects with why not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens queue mode's Redis side. Two connections: a producer that fails fast (an HTTP request
 * that enqueues must not hang on a Redis outage — the run is in the store, the sweeper enqueues
 * it later) and a shared one that waits for Redis to return, for limits, locks and the worker.
 */
export function openQueueMode(config: QueueConfig, options: QueueModeOptions): QueueMode {
  const url = config.redisUrl!;
  const { store, clock, log } = options;
  const producer = openRedis({ url, log, name: `staffwire:${options.role}:producer`, waitForReconnect: false });
  const shared = openRedis({ url, log, name: `staffwire:${options.role}:shared`, waitForReconnect: true });
  const workerConnections: Redis[] = [];
  const wakeUps = new WakeUpQueue(producer, config.prefix, clock);
  const enqueuer = new DueRunEnqueuer(store, wakeUps, clock, log);
  // serve listens for stalled jobs (for /metrics); a worker needs no such stream reader.
  const eventsRedis = options.role === 'worker' ? undefined : openRedis({ url, log, name: `staffwire:${options.role}:events`, waitForReconnect: true });
  const events = eventsRedis && new QueueEvents(RUN_QUEUE, { connection: eventsRedis, prefix: config.prefix });
  let stalled = 0;
  events?.on('stalled', () => stalled++);
  // BullMQ prints an 'error' no one listens to as a bare stack on stderr; openRedis logs the outage already, once, as JSON.
  const redisTrouble = (err: Error) => log.debug({ err: err.message }, 'wake-up queue: Redis error');
  wakeUps.queue.on('error', redisTrouble);
  events?.on('error', redisTrouble);
  const runtime = new QueueRuntime({ store, enqueuer, clock, log, pollMs: DEFAULT_POLL_MS, sweepMs: config.sweepMs });
  const mode: QueueMode = {
    runtime,
    wakeUps,
    enqueuer,
    sharedResources: {
      // Limits wait out an outage; reading their state (for the API) fails fast, as an enqueue does.
      createRateLimiter: (rate) => new RedisRateLimiter(shared, rate, `${config.prefix}:rate:`, producer),
      createSerialQueue: (name) => new RedisSerialQueue(shared, `${config.prefix}:lock:${name}:`, log),
    },
    worker: undefined,
    startWorker(engine, concurrency) {
      const redis = openRedis({ url, log, name: `staffwire:${options.role}:worker`, waitForReconnect: true });
      workerConnections.push(redis);
      mode.worker = new QueueWorker({ engine, enqueuer, redis, prefix: config.prefix, concurrency, stalledIntervalMs: config.stalledIntervalMs, log });
      return mode.worker;
    },
    stalledRecoveries: () => stalled,
    async ping() {
      await producer.ping();
    },
    async close() {
      await events?.close();
      await wakeUps.close();
      for (const redis of [producer, shared, ...(eventsRedis ? [eventsRedis] : []), ...workerConnections]) redis.disconnect();
    },
  };
  return mode;
}
