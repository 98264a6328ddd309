import { createApp, type App } from '../app/create-app.js';
import { loadConfig, type StaffwireConfig } from '../config/config.js';
import { createLogger } from '../log/logger.js';
import type { StepRecord } from '../store/records.js';
import { logDestination } from './log-destination.js';

/** What a command runs on: the app built from the configuration the command names. */
export type CliContext = App;

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
  return createApp(config, {
    log: createLogger(config.log.level, logDestination(config.dataDir, 'command')),
    ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
    ...(options.readonly ? { readonly: true } : {}),
  });
}
