import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import { UsageError } from '../errors/index.js';
import { JsonTextError } from '../errors/json-text-error.js';
import { decodeJsonText } from '../json/json-text.js';
import { schemaValidator } from '../schemas.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../store/sqlite/sqlite-store.js';
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../engine/engine.js';
import { DEFAULT_EXPRESSION_LIMITS } from '../engine/expressions/expression.js';
import { DEFAULT_CONCURRENCY } from '../runtime/embedded-runtime.js';
import { parseJsonWithLocations } from '../engine/validate/json-locator.js';
import { schemaDiagnostics } from '../engine/validate/schema-errors.js';

/** staffwire.config.json after defaults and environment overrides; paths are absolute. */
export interface StaffwireConfig {
  /** The file read, or undefined when running on defaults. */
  file: string | undefined;
  dataDir: string;
  flowDirs: string[];
  connections: Record<string, ConnectionConfig>;
  limits: {
    concurrency: number;
    expressionTimeoutMs: number;
    expressionMaxDepth: number;
    leaseMs: number;
    inlineRetryMaxMs: number;
  };
  store: { synchronous: 'normal' | 'full'; busyTimeoutMs: number };
  log: { level: string };
}

interface ConfigFile {
  dataDir?: string;
  flowDirs?: string[];
  connections?: Record<string, ConnectionConfig>;
  limits?: Partial<StaffwireConfig['limits']>;
  store?: { synchronous?: 'normal' | 'full'; busyTimeoutMs?: number };
  log?: { level?: string };
}

/**
 * Reads the config named by `--config`, else STAFFWIRE_CONFIG, else ./staffwire.config.json when
 * present; a missing default file means defaults. Environment variables override the file.
 */
export function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StaffwireConfig {
  const named = explicit ?? env.STAFFWIRE_CONFIG;
  const file = named ? resolve(cwd, named) : resolve(cwd, 'staffwire.config.json');
  if (named && !existsSync(file)) throw new UsageError(`config file ${file} does not exist`);
  const raw = existsSync(file) ? readConfigFile(file) : {};
  const base = existsSync(file) ? dirname(file) : cwd;
  const limits = raw.limits ?? {};
  return {
    file: existsSync(file) ? file : undefined,
    dataDir: resolve(base, env.STAFFWIRE_DATA_DIR ?? raw.dataDir ?? '.staffwire'),
    flowDirs: (raw.flowDirs ?? ['flows']).map((d) => resolve(base, d)),
    connections: raw.connections ?? {},
    limits: {
      concurrency: intFromEnv(env, 'STAFFWIRE_CONCURRENCY') ?? limits.concurrency ?? DEFAULT_CONCURRENCY,
      expressionTimeoutMs: intFromEnv(env, 'STAFFWIRE_EXPRESSION_TIMEOUT_MS') ?? limits.expressionTimeoutMs ?? DEFAULT_EXPRESSION_LIMITS.timeoutMs,
      expressionMaxDepth: limits.expressionMaxDepth ?? DEFAULT_EXPRESSION_LIMITS.maxDepth,
      leaseMs: limits.leaseMs ?? DEFAULT_ENGINE_LIMITS.leaseMs,
      inlineRetryMaxMs: limits.inlineRetryMaxMs ?? DEFAULT_ENGINE_LIMITS.inlineRetryMaxMs,
    },
    store: { synchronous: raw.store?.synchronous ?? 'normal', busyTimeoutMs: raw.store?.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS },
    log: { level: env.STAFFWIRE_LOG_LEVEL ?? raw.log?.level ?? 'warn' },
  };
}

/** The engine's limits as configured; everything not configurable keeps its default. */
export function engineLimitsOf(config: StaffwireConfig): EngineLimits {
  return {
    expression: { ...DEFAULT_EXPRESSION_LIMITS, timeoutMs: config.limits.expressionTimeoutMs, maxDepth: config.limits.expressionMaxDepth },
    leaseMs: config.limits.leaseMs,
    inlineRetryMaxMs: config.limits.inlineRetryMaxMs,
  };
}

function readConfigFile(file: string): ConfigFile {
  const parsed = parseJsonWithLocations(readConfigText(file));
  if (parsed.syntaxError) {
    const { line, column } = parsed.locator.at(parsed.syntaxError.offset);
    throw new UsageError(`${file}:${line}:${column}  ${parsed.syntaxError.message}`);
  }
  const validate = schemaValidator('config');
  if (!validate(parsed.value)) {
    const lines = schemaDiagnostics(validate.errors ?? [], parsed.value).map((d) => {
      const { line, column } = parsed.locator.locate(d.pointer);
      return `${file}:${line}:${column}  ${d.pointer || '/'}  ${d.message}`;
    });
    throw new UsageError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.value as ConfigFile;
}

/** The file's text, once it is known to be UTF-8 and not too deep to parse. */
function readConfigText(file: string): string {
  try {
    return decodeJsonText(readFileSync(file), file);
  } catch (err) {
    throw err instanceof JsonTextError ? new UsageError(err.message) : err;
  }
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${name} must be a positive whole number, got "${value}"`);
  return Number(value);
}
