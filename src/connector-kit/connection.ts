import { InputError } from '../errors/index.js';
import type { ResolvedConnection } from './connector.js';

/** A connection as written in staffwire.config.json. */
export interface ConnectionConfig {
  connector: string;
  [setting: string]: unknown;
}

/**
 * Replaces every `{ "env": "NAME" }` with the variable's value. Done at call time so a missing
 * secret fails the step that needs it, with a message naming the variable.
 */
export function resolveConnection(name: string, config: ConnectionConfig, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const { connector, ...settings } = config;
  return { name, connector, settings: resolveSecrets(settings, name, env, '') as Record<string, unknown> };
}

function resolveSecrets(value: unknown, connection: string, env: NodeJS.ProcessEnv, pointer: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, connection, env, `${pointer}/${i}`));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const only = entries[0];
  if (entries.length === 1 && only && only[0] === 'env' && typeof only[1] === 'string') {
    const secret = env[only[1]];
    if (secret === undefined || secret === '') {
      throw new InputError(
        `connection "${connection}" needs environment variable ${only[1]} (for ${pointer || '/'}), which is not set`,
        'connection.secret_missing',
      );
    }
    return secret;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveSecrets(v, connection, env, `${pointer}/${k}`)]));
}
