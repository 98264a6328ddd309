import { join } from 'node:path';
import type { Logger } from 'pino';
import { discoverConnectors } from '../connector-kit/registry.js';
import type { ConnectorRegistry } from '../connector-kit/registry.js';
import { checkConnections } from '../config/check-connections.js';
import { loadConfig, type StaffwireConfig } from '../config/config.js';
import { Engine } from '../engine/engine.js';
import { FlowFiles } from '../engine/flow-files.js';
import { createLogger } from '../log/logger.js';
import { EmbeddedRuntime } from '../runtime/embedded-runtime.js';
import type { StepRecord } from '../store/records.js';
import { SqliteStore } from '../store/sqlite-store.js';

/** Everything a command needs, built from the configuration. */
export interface CliContext {
  config: StaffwireConfig;
  log: Logger;
  connectors: ConnectorRegistry;
  flows: FlowFiles;
  store: SqliteStore;
  engine: Engine;
  runtime: EmbeddedRuntime;
  close(): Promise<void>;
}

export interface ContextOptions {
  configFile?: string;
  onCheckpoint?: (step: StepRecord) => void;
  /** Replaces configured connections (the demo points its connection at its own server). */
  connections?: StaffwireConfig['connections'];
  /** Opens the store read-only: for commands that only read, which then work on a read-only data directory. */
  readonly?: boolean;
}

export async function createContext(options: ContextOptions = {}): Promise<CliContext> {
  const config = loadConfig(options.configFile);
  if (options.connections) config.connections = { ...config.connections, ...options.connections };
  const log = createLogger(config.log.level);
  const connectors = await discoverConnectors();
  checkConnections(config, connectors);
  const flows = new FlowFiles(config.flowDirs);
  const store = new SqliteStore(join(config.dataDir, 'staffwire.db'), {
    synchronous: config.store.synchronous,
    busyTimeoutMs: config.store.busyTimeoutMs,
    readonly: options.readonly ?? false,
    setting: config.file ? `dataDir in ${config.file}, or STAFFWIRE_DATA_DIR` : 'dataDir, or STAFFWIRE_DATA_DIR',
  });
  let runtime: EmbeddedRuntime | undefined;
  const engine = new Engine({
    store,
    connectors,
    connections: config.connections,
    flows,
    log,
    limits: {
      expression: { timeoutMs: config.limits.expressionTimeoutMs, maxDepth: config.limits.expressionMaxDepth, maxSequence: 1_000_000 },
      leaseMs: config.limits.leaseMs,
      inlineRetryMaxMs: config.limits.inlineRetryMaxMs,
    },
    onWaiting: (run) => runtime?.runWaiting(run),
    onFinished: (run) => runtime?.runFinished(run),
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
  });
  runtime = new EmbeddedRuntime(engine, { concurrency: config.limits.concurrency, log });
  return {
    config,
    log,
    connectors,
    flows,
    store,
    engine,
    runtime,
    async close() {
      await runtime?.stop();
      await store.close();
      log.flush();
    },
  };
}
