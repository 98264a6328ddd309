import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../engine/retry/duration.js';

/** What `--wait-up-to` is when not given: a minute. */
export const DEFAULT_WAIT_UP_TO_MS = 60_000;

/**
 * `--wait-up-to <seconds>`: a number of seconds from 0 (`30`, `0.5`) or a duration (`500ms`,
 * `30s`, `5m`), as milliseconds; anything else is a usage error (exit 2) with an example.
 */
export function parseWaitUpTo(value: string): number {
  const text = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new InvalidArgumentError('expected a number of seconds from 0 or a duration, e.g. --wait-up-to 30 or --wait-up-to 5m (0 leaves every wait to `staffwire serve`)');
  }
  return ms;
}
