import { join, resolve } from 'node:path';
import { STDERR } from '../log/logger.js';

/**
 * Where a command's JSON log lines go. STAFFWIRE_LOG_FILE names a file (relative to the working
 * folder), or `-` for standard error. Without it, `staffwire serve` logs to standard error, as a
 * service does; every other command appends to `<dataDir>/logs/staffwire.log`, so log lines never
 * break up the lines it prints. The level is log.level or STAFFWIRE_LOG_LEVEL either way.
 */
export function logDestination(dataDir: string, kind: 'service' | 'command', env: NodeJS.ProcessEnv = process.env): string {
  const named = env.STAFFWIRE_LOG_FILE;
  if (named) return named === STDERR ? STDERR : resolve(named);
  return kind === 'service' ? STDERR : join(dataDir, 'logs', 'staffwire.log');
}
