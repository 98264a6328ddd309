import type { Logger } from 'pino';
import type { StaffwireConfig } from '../../config/config.js';
import { checkConfiguration } from './config-check.js';
import { checkConnectionsLive } from './connection-check.js';
import { messageOf, summarize, type CheckGroup, type DoctorCheck, type DoctorReport } from './doctor-check.js';
import { checkRedis } from './redis-check.js';
import { checkStore } from './store-check.js';

export interface DoctorOptions {
  /** `--config`; else STAFFWIRE_CONFIG, else ./staffwire.config.json, as every command. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** The logger connectors log their check requests to, once the configuration says where logs go. */
  logFor(config: StaffwireConfig): Logger;
}

/**
 * Every check, in report order: the configuration first (everything else needs it), then the
 * store, Redis and each connection side by side. Never throws: whatever goes wrong is a check
 * that failed, with its message.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const configuration = await checkConfiguration(options.configFile, env).catch((err: unknown) => ({
    checks: [unexpected('config', 'configuration', err)],
    loaded: undefined,
  }));
  const { loaded } = configuration;
  if (!loaded) {
    const notChecked = (group: CheckGroup, name: string): DoctorCheck => ({ group, name, status: 'skip', finding: 'not checked: the configuration did not load' });
    return report(undefined, [...configuration.checks, notChecked('store', 'store'), notChecked('redis', 'redis'), notChecked('connection', 'connections')]);
  }
  const { config } = loaded;
  const groups = await Promise.all([
    guarded('store', 'store', () => checkStore(config)),
    guarded('redis', 'redis', () => checkRedis(config)),
    guarded('connection', 'connections', () => checkConnectionsLive(loaded, options.logFor(config), env)),
  ]);
  return report(config.file, [...configuration.checks, ...groups.flat()]);
}

function report(configFile: string | undefined, checks: DoctorCheck[]): DoctorReport {
  return { configFile, checks, summary: summarize(checks) };
}

async function guarded(group: CheckGroup, name: string, checks: () => Promise<DoctorCheck[]>): Promise<DoctorCheck[]> {
  try {
    return await checks();
  } catch (err) {
    return [unexpected(group, name, err)];
  }
}

function unexpected(group: CheckGroup, name: string, err: unknown): DoctorCheck {
  return { group, name, status: 'fail', finding: `could not be checked: ${messageOf(err)}`, fix: 'not a problem doctor knows: the message says what failed' };
}
