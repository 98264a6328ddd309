import { join } from 'node:path';
import type { Logger } from 'pino';
import { SystemClock } from '../clock/system-clock.js';
import type { Clock } from '../clock/clock.js';
import { UsageError } from '../errors/index.js';
import { checkConnections } from '../config/check-connections.js';
import { engineLimitsOf, type StaffwireConfig } from '../config/config.js';
import { queueStoreProblem } from '../config/queue-store-problem.js';
import { ConnectionResources } from '../connector-kit/connection-resources.js';
import { inMemoryRateLimiters } from '../connector-kit/rate-limiter.js';
import { discoverConnectors, type ConnectorRegistry } from '../connector-kit/registry.js';
import { Engine } from '../engine/engine.js';
import { FlowFiles } from '../engine/flow-files.js';
import { createLogger } from '../log/logger.js';
import { EmbeddedRuntime } from '../runtime/embedded-runtime.js';
import type { QueueMode } from '../runtime/queue/queue-mode.js';
import type { Runtime } from '../runtime/runtime.js';
import { EventDispatcher } from '../events/event-dispatcher.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { StepRecord } from '../store/records.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';

/** Everything one Staffwire process runs on, built once from the configuration. */
export interface App {
  config: StaffwireConfig;
  clock: Clock;
  log: Logger;
  connectors: ConnectorRegistry;
  flows: FlowFiles;
  store: Store;
  engine: Engine;
  /** In-process execution (embedded mode, one-shot commands), or enqueueing for workers (queue mode). */
  runtime: Runtime;
  /** Set in queue mode: Redis, the wake-up queue, and this process's worker when it runs one. */
  queue: QueueMode | undefined;
  /** Dispatches persisted webhook deliveries to the flows and listeners they concern. */
  dispatcher: EventDispatcher;
  /** Fires due schedules and cron ticks into runs. */
  scheduler: Scheduler;
  /** What the connections keep between calls in this process (tokens, clients, limiters), shared with the engine. */
  connectionResources: ConnectionResources;
  /**
   * Starts the work a long-running process does in the background: executing due runs (the
   * runtime), and the other background tasks. `staffwire serve` calls it; one-shot commands don't.
   */
  start(): Promise<void>;
  /** Stops what `start` started (runs in flight park or finish), then closes the store. */
  close(): Promise<void>;
}

/** Work a long-running process keeps doing: looking at the store and acting on what fell due. */
export interface BackgroundTask {
  start(): Promise<void>;
  /** Stops taking new work and waits for work under way. */
  stop(): Promise<void>;
}

export interface AppOptions {
  clock?: Clock;
  log?: Logger;
  /** Opens the store read-only: for commands that only read, which then work on a read-only data directory. */
  readonly?: boolean;
  /** Told of step checkpoints once written, for progress output. */
  onCheckpoint?: (step: StepRecord) => void;
  /**
   * What the process is, which decides its runtime when the configuration names a Redis (queue
   * mode): `serve` enqueues, `worker` executes what is enqueued, `serve-with-worker` both. One-shot
   * commands (the default) execute in-process whatever the configuration says.
   */
  role?: ProcessRole;
  /** Runs a worker executes at once; default limits.concurrency. */
  workerConcurrency?: number;
}

export type ProcessRole = 'one-shot' | 'serve' | 'worker' | 'serve-with-worker';

/** PostgreSQL when a database URL is configured, else the SQLite file under the data directory. */
async function openStore(config: StaffwireConfig, readonly: boolean): Promise<Store> {
  const { url, urlSetting, poolSize, schema } = config.store;
  if (url !== undefined) {
    // PostgreSQL's and the queue's libraries load only when configured: embedded mode starts faster.
    const { PostgresStore } = await import('../store/postgres/postgres-store.js');
    return PostgresStore.open({ url, poolSize, readonly, ...(urlSetting ? { setting: urlSetting } : {}), ...(schema ? { schema } : {}) });
  }
  return new SqliteStore(join(config.dataDir, 'staffwire.db'), {
    synchronous: config.store.synchronous,
    busyTimeoutMs: config.store.busyTimeoutMs,
    readonly,
    setting: config.file ? `dataDir in ${config.file}, or STAFFWIRE_DATA_DIR` : 'dataDir, or STAFFWIRE_DATA_DIR',
  });
}

/**
 * The composition root: configuration in, a wired process out. The CLI, the server and the
 * worker all start here, so each gets the same store, engine and runtime for the same config.
 */
export async function createApp(config: StaffwireConfig, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? new SystemClock();
  const log = options.log ?? createLogger(config.log.level);
  const connectors = await discoverConnectors();
  checkConnections(config, connectors);
  const flows = new FlowFiles(config.flowDirs);
  const role = options.role ?? 'one-shot';
  const queueProblem = role === 'one-shot' ? undefined : queueStoreProblem(config);
  if (queueProblem !== undefined) throw new UsageError(queueProblem);
  const store = await openStore(config, options.readonly ?? false);
  const queue = config.queue.redisUrl !== undefined && role !== 'one-shot' ? (await import('../runtime/queue/queue-mode.js')).openQueueMode(config.queue, { store, clock, log, role }) : undefined;
  // In-process limits refill and wait on the app's clock, like every other time the process keeps.
  const connectionResources = new ConnectionResources(
    queue?.sharedResources ?? { createRateLimiter: inMemoryRateLimiters(clock) },
  );
  const engine = new Engine({
    store,
    connectors,
    connections: config.connections,
    connectionResources,
    flows,
    log,
    clock,
    limits: engineLimitsOf(config),
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
  });
  const runtime: Runtime = queue ? queue.runtime : new EmbeddedRuntime(engine, { concurrency: config.limits.concurrency, log });
  const dispatcher = new EventDispatcher({ store, engine, flows, clock, log, onWork: () => void runtime.poll() });
  const scheduler = new Scheduler({ store, engine, flows, clock, log, onWork: () => void runtime.poll() });
  const worker = queue && role !== 'serve' ? queue.startWorker(engine, options.workerConcurrency ?? config.limits.concurrency) : undefined;
  // A worker takes webhooks, API calls and schedules from no one: `serve` does that and enqueues.
  const background: BackgroundTask[] = role === 'worker' ? [worker!] : [runtime, dispatcher, scheduler, ...(worker ? [worker] : [])];
  let started: BackgroundTask[] = [];
  return {
    config,
    clock,
    log,
    connectors,
    flows,
    store,
    engine,
    runtime,
    queue,
    dispatcher,
    scheduler,
    connectionResources,
    async start() {
      for (const task of background) {
        await task.start();
        started.push(task);
      }
    },
    async close() {
      // The runtime may be used without start() (one-shot commands submit to it directly).
      for (const task of new Set([...started.reverse(), runtime])) await task.stop();
      started = [];
      await queue?.close();
      await store.close();
      log.flush();
    },
  };
}
