import { createApp, type App } from '../../app/create-app.js';
import { loadConfig } from '../../config/config.js';
import { redactedUrl } from '../../config/redacted-url.js';
import { UsageError } from '../../errors/index.js';
import { createLogger } from '../../log/logger.js';
import { StepDurations } from '../../server/metrics/step-durations.js';
import { startServer, stopSignal } from '../../server/server.js';
import { logDestination } from '../log-destination.js';

export interface ServeOptions {
  config?: string;
  port?: string;
  host?: string;
  /** Queue mode: execute runs in this process as well (a worker beside the intake). */
  withWorker?: boolean;
}

/**
 * The long-running process: the REST API, webhook intake, docs, health and metrics on one port,
 * and the background work (runs executed when due, whoever queued or parked them). Stops on
 * SIGTERM/SIGINT: takes no more requests, lets those under way finish, lets runs in flight
 * finish or park, then exits 0.
 */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const config = loadConfig(options.config);
  const port = options.port === undefined ? config.server.port : portOf(options.port);
  const host = options.host ?? config.server.host;
  // Request and lifecycle logs are info; a level set in the configuration or environment wins.
  const log = createLogger(config.log.configured ? config.log.level : 'info', logDestination(config.dataDir, 'service'));
  // Listening for the signals before anything starts: a stop asked for during start-up is a stop.
  const stop = stopSignal(log);
  const stepDurations = new StepDurations();
  if (options.withWorker && config.queue.redisUrl === undefined) {
    throw new UsageError('--with-worker is for queue mode: set REDIS_URL (or queue.redisUrl) and a PostgreSQL store (store.url); without them serve executes runs itself');
  }
  const app = await createApp(config, { log, onCheckpoint: (step) => stepDurations.observe(step), role: options.withWorker ? 'serve-with-worker' : 'serve' });
  let server;
  try {
    server = await startServer(app, { port, host }, { stepDurations });
  } catch (err) {
    await app.close();
    throw err;
  }
  await app.start();
  log.info({ url: server.url, dataDir: config.dataDir, flowDirs: config.flowDirs, mode: app.queue ? 'queue' : 'embedded' }, 'staffwire serving');

  const tokens =
    config.server.tokens.length === 0
      ? `no tokens configured, so the API refuses every call: \`staffwire tokens create --name ops --role operator\`, then add the entry it prints to server.tokens in ${config.file ?? 'staffwire.config.json'}`
      : config.server.tokens.map((t) => `${t.name} (${t.role})`).join(', ');
  // One write: a script reading the first line finds the rest with it.
  console.log(
    [
      `staffwire serving on ${server.url}`,
      `  api      ${server.url}/api/v1`,
      `  docs     ${server.url}/docs  (OpenAPI: ${server.url}/openapi.json)`,
      `  health   ${server.url}/healthz, ${server.url}/readyz, metrics ${server.url}/metrics`,
      `  data     ${config.dataDir}`,
      `  runs     ${runsLine(app, options.withWorker === true)}`,
      `  flows    ${config.flowDirs.join(', ')}`,
      `  tokens   ${tokens}`,
      'Ctrl-C stops.',
    ].join('\n'),
  );

  const signal = await stop;
  log.info({ signal }, 'stopping: no new requests; runs in flight finish or park');
  console.error(`staffwire: ${signal}: stopping (runs in flight finish or park where they stand)`);
  await server.close();
  console.error('staffwire stopped');
  return 0;
}

function runsLine(app: App, withWorker: boolean): string {
  if (!app.queue) return `executed here (embedded mode, concurrency ${app.config.limits.concurrency})`;
  const queue = `queue mode on ${redactedUrl(app.config.queue.redisUrl!)}, prefix ${app.config.queue.prefix}`;
  return withWorker ? `${queue}: enqueued, and executed here by a worker as well` : `${queue}: enqueued for \`staffwire worker\` processes`;
}

function portOf(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new UsageError(`--port must be a port number from 0 (a free one) to 65535, got "${value}"`);
  return Number(value);
}
