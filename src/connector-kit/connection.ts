import { InputError } from '../errors/index.js';
import { setOwn } from '../json/set-own.js';
import type { ResolvedConnection } from './connector.js';

/** A connection as written in staffwire.config.json. */
export interface ConnectionConfig {
  connector: string;
  [setting: string]: unknown;
}

/**
 * Replaces every `{ "env": "NAME" }` with the variable's value. A variable that is not set fails
 * only the code that reads that setting, with a message naming the variable: an action that does
 * not need the webhook secret of its connection keeps working without it.
 */
export function resolveConnection(name: string, config: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const { connector, ...settings } = config;
  return { name, connector, settings: resolveSecrets(settings, name, env, '') as Record<string, unknown> };
}

function resolveSecrets(value: unknown, connection: string, env: NodeJS.ProcessEnv, pointer: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const resolved: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const [key, child] of Object.entries(value)) {
    const at = `${pointer}/${key}`;
    const variable = secretVariable(child);
    const secret = variable === undefined ? undefined : env[variable];
    if (variable !== undefined && (secret === undefined || secret === '')) {
      Object.defineProperty(resolved, key, {
        enumerable: true,
        get() {
          throw new InputError(`connection "${connection}" needs environment variable ${variable} (for ${at}), which is not set`, 'connection.secret_missing');
        },
      });
    } else {
      setOwn(resolved, key, variable === undefined ? resolveSecrets(child, connection, env, at) : secret);
    }
  }
  return resolved;
}

/** The variable name of a `{ "env": "NAME" }` reference, else undefined. */
function secretVariable(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  return entries.length === 1 && entries[0]![0] === 'env' && typeof entries[0]![1] === 'string' ? entries[0]![1] : undefined;
}
