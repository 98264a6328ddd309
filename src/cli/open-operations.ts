import { UsageError } from '../errors/index.js';
import { ApiClient } from './api-client.js';
import { createContext } from './context.js';
import { localOperations } from './local-operations.js';
import type { Operations } from './operations.js';
import { remoteOperations } from './remote-operations.js';

/** Where a command's runs, schedules and events are: a server (`--server`, STAFFWIRE_SERVER) or the local store (`--config`). */
export interface TargetOptions {
  config?: string;
  server?: string;
  token?: string;
}

/** The server a command talks to, when one is named; undefined means the local store. */
export function serverOf(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): ApiClient | undefined {
  const server = options.server ?? (env.STAFFWIRE_SERVER || undefined);
  if (server === undefined) {
    if (options.token !== undefined) throw new UsageError('--token needs --server (or STAFFWIRE_SERVER): without one the command works on the local store');
    return undefined;
  }
  return new ApiClient(server, options.token ?? (env.STAFFWIRE_TOKEN || undefined));
}

/**
 * The operations for a command: the server's when one is named, else the local store's (opened
 * read-only for commands that only read, so they work on a read-only data directory too).
 */
export async function openOperations(options: TargetOptions, access: { write: boolean }): Promise<Operations> {
  const client = serverOf(options);
  if (client) return remoteOperations(client);
  const context = await createContext({ ...(options.config ? { configFile: options.config } : {}), ...(access.write ? {} : { readonly: true }) });
  return localOperations(context);
}

/** A date and time with its zone, ISO 8601: `2030-03-01T09:00:00+08:00`, `2030-03-01T01:00Z`. */
export const MOMENT_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Opens the operations for a command, lets `use` work with them, and closes them whatever happens. */
export async function withOperations<T>(options: TargetOptions, access: { write: boolean }, use: (operations: Operations) => Promise<T>): Promise<T> {
  const operations = await openOperations(options, access);
  try {
    return await use(operations);
  } finally {
    await operations.close();
  }
}

/** A listing as JSON, else a line per item, or `empty` when there is none. */
export function printList<T>(items: readonly T[], json: boolean | undefined, empty: string, line: (item: T) => string): void {
  if (json) console.log(JSON.stringify(items, null, 2));
  else if (items.length === 0) console.log(empty);
  else for (const item of items) console.log(line(item));
}

/** A record a command changed, as JSON or as its line. */
export function printChanged<T>(item: T, json: boolean | undefined, line: (item: T) => string): number {
  console.log(json ? JSON.stringify(item, null, 2) : line(item));
  return 0;
}

/** A moment given on the command line: a date (`2030-03-01`, midnight UTC) or a date and time with its zone. */
export function momentOption(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const withZone = MOMENT_WITH_ZONE.test(value);
  const ms = Date.parse(value);
  if ((!dateOnly && !withZone) || Number.isNaN(ms)) {
    throw new UsageError(`${option} must be a date (2030-03-01) or a moment with its zone (2030-03-01T09:00:00+08:00), got "${value}"`);
  }
  return new Date(ms).toISOString();
}

/** `--limit`: a whole number from 1. */
export function limitOption(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, got "${value}"`);
  return limit;
}

/** A comma-separated list of values from `allowed`: `--status failed,waiting`. */
export function listOption<T extends string>(value: string | undefined, names: { one: string; many: string }, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const values = value.split(',').map((v) => v.trim());
  const unknown = values.filter((v) => !allowed.includes(v as T));
  if (unknown.length > 0) throw new UsageError(`unknown ${names.one} ${unknown.map((u) => u || '""').join(', ')} (${names.many}: ${allowed.join(', ')})`);
  return [...new Set(values)] as T[];
}
