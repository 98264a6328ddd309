import { createApp } from '../../app/create-app.js';
import { loadConfig } from '../../config/config.js';
import { redactedUrl } from '../../config/redacted-url.js';
import { UsageError } from '../../errors/index.js';
import { createLogger } from '../../log/logger.js';
import { stopSignal } from '../../server/server.js';
import { logDestination } from '../log-destination.js';

export interface WorkerOptions {
  config?: string;
  concurrency?: string;
}

/**
 * A queue-mode worker: executes the runs `serve` enqueues until SIGTERM/SIGINT, then takes no
 * more jobs, lets the runs under way finish or park, and exits 0. A second signal exits at once;
 * the runs it held continue from their checkpoint on another worker.
 */
export async function workerCommand(options: WorkerOptions): Promise<number> {
  const config = loadConfig(options.config);
  if (config.queue.redisUrl === undefined) {
    throw new UsageError('staffwire worker needs queue mode: set REDIS_URL (or queue.redisUrl in the configuration) and a PostgreSQL store (STAFFWIRE_DATABASE_URL or store.url); in embedded mode `staffwire serve` executes runs itself');
  }
  const concurrency = options.concurrency === undefined ? config.limits.concurrency : concurrencyOf(options.concurrency);
  const log = createLogger(config.log.configured ? config.log.level : 'info', logDestination(config.dataDir, 'service'));
  const stop = stopSignal(log);
  const app = await createApp(config, { log, role: 'worker', workerConcurrency: concurrency });
  await app.start();
  log.info({ concurrency, prefix: config.queue.prefix }, 'staffwire worker started');
  console.log(`staffwire worker executing runs from ${redactedUrl(config.queue.redisUrl)} (prefix ${config.queue.prefix}), concurrency ${concurrency}\nCtrl-C stops (runs under way finish or park first).`);
  const signal = await stop;
  log.info({ signal }, 'stopping: no new jobs; runs under way finish or park');
  console.error(`staffwire worker: ${signal}: stopping (runs under way finish or park)`);
  await app.close();
  console.error('staffwire worker stopped');
  return 0;
}

function concurrencyOf(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new UsageError(`--concurrency must be a whole number from 1 to 1000, got "${value}"`);
  return Number(value);
}
