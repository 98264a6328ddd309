import type { StaffwireConfig } from './config.js';

/**
 * Why this configuration cannot run in queue mode, or undefined when it can (or is embedded):
 * `serve` and `worker` refuse to start on it, and `staffwire doctor` reports it.
 */
export function queueStoreProblem(config: StaffwireConfig): string | undefined {
  if (config.queue.redisUrl === undefined || config.store.url !== undefined) return undefined;
  // Workers on other machines could not see a SQLite file: they would wait on jobs for runs they cannot read.
  return `queue mode (REDIS_URL or queue.redisUrl is set) needs a PostgreSQL store shared by every process: set STAFFWIRE_DATABASE_URL or store.url${config.file ? ` in ${config.file}` : ''}, or unset REDIS_URL to run embedded`;
}
