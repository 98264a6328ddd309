import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectionConfig } from '../connector-kit/connection.js';
import { UsageError } from '../errors/index.js';
import { redactedUrl } from './redacted-url.js';
import { JsonTextError } from '../errors/json-text-error.js';
import { decodeJsonText } from '../json/json-text.js';
import { schemaValidator } from '../schemas.js';
import { DEFAULT_POOL_SIZE } from '../store/postgres/defaults.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../store/sqlite/sqlite-store.js';
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../engine/engine.js';
import { DEFAULT_EXPRESSION_LIMITS } from '../engine/expressions/expression.js';
import { DEFAULT_CONCURRENCY } from '../runtime/embedded-runtime.js';
import { parseJsonWithLocations } from '../engine/validate/json-locator.js';
import { schemaDiagnostics } from '../engine/validate/schema-errors.js';
import type { Role } from '../server/auth/roles.js';
import { DEFAULT_DEDUPE_WINDOW_MS } from '../server/intake/delivery-answers.js';

/** An API token as configured: its name (the actor `api:<name>`), role, and the hex SHA-256 of the token. */
export interface ApiTokenConfig {
  name: string;
  role: Role;
  sha256: string;
}

/** `staffwire serve`: where it listens, what it accepts, who may call it. */
export interface ServerConfig {
  port: number;
  host: string;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** A request not answered within this long is answered 408 and its connection closed. */
  requestTimeoutMs: number;
  /** How long a stop waits for requests under way before it closes their connections. */
  shutdownGraceMs: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  tokens: ApiTokenConfig[];
  /** Failed authentications a client address may make per window before it is refused with 429. */
  authFailures: { max: number; windowMs: number };
  /** Requests to /api a client address may make per window. */
  rateLimit: { max: number; windowMs: number };
  /** How long a console sign-in lasts before the token must be given again. */
  sessionTtlMs: number;
}

export const DEFAULT_SERVER_CONFIG: Omit<ServerConfig, 'tokens'> = {
  port: 3000,
  host: '127.0.0.1',
  bodyLimitBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  shutdownGraceMs: 10_000,
  trustProxy: false,
  authFailures: { max: 10, windowMs: 60_000 },
  rateLimit: { max: 1200, windowMs: 60_000 },
  sessionTtlMs: 12 * 60 * 60 * 1000,
};

/** Which store a process opens: the SQLite file under dataDir, unless a PostgreSQL URL is set. */
export interface StoreConfig {
  synchronous: 'normal' | 'full';
  busyTimeoutMs: number;
  /** A postgres:// URL: the PostgreSQL store instead of SQLite. */
  url?: string;
  /** Which setting the URL came from, for messages. */
  urlSetting?: string;
  poolSize: number;
  /** The PostgreSQL schema; PostgresStore's default when unset. */
  schema?: string;
}

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
  store: StoreConfig;
  /** `configured`: the level was set (file or STAFFWIRE_LOG_LEVEL); `staffwire serve` logs at info otherwise. */
  log: { level: string; configured: boolean };
  server: ServerConfig;
  /** Webhook intake: a delivery whose event id was seen within this window is answered as a duplicate. */
  webhooks: { dedupeWindowMs: number };
  queue: QueueConfig;
}

/** Queue mode (BullMQ on Redis) when `redisUrl` is set; embedded mode otherwise. */
export interface QueueConfig {
  redisUrl: string | undefined;
  prefix: string;
  stalledIntervalMs: number;
  sweepMs: number;
}

export const DEFAULT_QUEUE_CONFIG: Omit<QueueConfig, 'redisUrl'> = { prefix: 'staffwire', stalledIntervalMs: 30_000, sweepMs: 5000 };

interface ConfigFile {
  dataDir?: string;
  flowDirs?: string[];
  connections?: Record<string, ConnectionConfig>;
  limits?: Partial<StaffwireConfig['limits']>;
  store?: { synchronous?: 'normal' | 'full'; busyTimeoutMs?: number; url?: string; poolSize?: number; schema?: string };
  log?: { level?: string };
  webhooks?: { dedupeWindowMs?: number };
  queue?: Partial<QueueConfig>;
  server?: Partial<Omit<ServerConfig, 'authFailures' | 'rateLimit'>> & {
    authFailures?: Partial<ServerConfig['authFailures']>;
    rateLimit?: Partial<ServerConfig['rateLimit']>;
  };
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
    store: storeConfigOf(raw.store ?? {}, env, file),
    log: { level: env.STAFFWIRE_LOG_LEVEL || raw.log?.level || 'warn', configured: Boolean(env.STAFFWIRE_LOG_LEVEL || raw.log?.level) },
    server: serverConfigOf(raw.server ?? {}, env, file),
    webhooks: { dedupeWindowMs: raw.webhooks?.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS },
    queue: queueConfigOf(raw.queue ?? {}, env),
  };
}

function queueConfigOf(raw: Partial<QueueConfig>, env: NodeJS.ProcessEnv): QueueConfig {
  const redisUrl = env.REDIS_URL || raw.redisUrl || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new UsageError(`${env.REDIS_URL ? 'REDIS_URL' : 'queue.redisUrl'} must be a redis:// or rediss:// URL, got "${redactedUrl(redisUrl)}"`);
  }
  const prefix = env.STAFFWIRE_QUEUE_PREFIX || raw.prefix || DEFAULT_QUEUE_CONFIG.prefix;
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new UsageError(`STAFFWIRE_QUEUE_PREFIX may hold letters, digits, _ and - only, got "${prefix}"`);
  return {
    redisUrl,
    prefix,
    stalledIntervalMs: raw.stalledIntervalMs ?? DEFAULT_QUEUE_CONFIG.stalledIntervalMs,
    sweepMs: raw.sweepMs ?? DEFAULT_QUEUE_CONFIG.sweepMs,
  };
}


function serverConfigOf(raw: NonNullable<ConfigFile['server']>, env: NodeJS.ProcessEnv, file: string): ServerConfig {
  const defaults = DEFAULT_SERVER_CONFIG;
  const tokens = raw.tokens ?? [];
  const seen = new Map<string, string>();
  for (const [i, token] of tokens.entries()) {
    for (const [what, value] of [['name', token.name], ['sha256', token.sha256.toLowerCase()]] as const) {
      const first = seen.get(`${what}:${value}`);
      if (first !== undefined) throw new UsageError(`${file}: /server/tokens/${i}/${what} repeats ${first}: every token needs a name and a hash of its own`);
      seen.set(`${what}:${value}`, `/server/tokens/${first ?? i}`);
    }
  }
  const port = intFromEnv(env, 'STAFFWIRE_PORT', 0) ?? raw.port ?? defaults.port;
  if (port > 65_535) throw new UsageError(`STAFFWIRE_PORT must be a port number (0 to 65535), got "${env.STAFFWIRE_PORT}"`);
  return {
    port,
    host: env.STAFFWIRE_HOST || raw.host || defaults.host,
    bodyLimitBytes: raw.bodyLimitBytes ?? defaults.bodyLimitBytes,
    requestTimeoutMs: raw.requestTimeoutMs ?? defaults.requestTimeoutMs,
    shutdownGraceMs: raw.shutdownGraceMs ?? defaults.shutdownGraceMs,
    trustProxy: raw.trustProxy ?? defaults.trustProxy,
    tokens: tokens.map((t) => ({ name: t.name, role: t.role, sha256: t.sha256.toLowerCase() })),
    authFailures: { ...defaults.authFailures, ...raw.authFailures },
    rateLimit: { ...defaults.rateLimit, ...raw.rateLimit },
    sessionTtlMs: raw.sessionTtlMs ?? defaults.sessionTtlMs,
  };
}

function storeConfigOf(raw: NonNullable<ConfigFile['store']>, env: NodeJS.ProcessEnv, file: string): StoreConfig {
  const fromEnv = Boolean(env.STAFFWIRE_DATABASE_URL);
  const url = env.STAFFWIRE_DATABASE_URL || raw.url;
  const urlSetting = fromEnv ? 'STAFFWIRE_DATABASE_URL' : `store.url in ${file}`;
  // The value itself may hold a password: the message names the setting, and the scheme alone.
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(`${urlSetting} must be a postgres:// or postgresql:// URL, got one starting "${url.split(':')[0]}:"`);
  }
  return {
    synchronous: raw.synchronous ?? 'normal',
    busyTimeoutMs: raw.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    ...(url === undefined ? {} : { url, urlSetting }),
    poolSize: raw.poolSize ?? DEFAULT_POOL_SIZE,
    ...(raw.schema === undefined ? {} : { schema: raw.schema }),
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

function intFromEnv(env: NodeJS.ProcessEnv, name: string, minimum = 1): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < minimum) {
    throw new UsageError(`${name} must be a ${minimum === 0 ? '' : 'positive '}whole number, got "${value}"`);
  }
  return Number(value);
}
