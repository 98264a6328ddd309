import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError, type StoreProblem } from '../../errors/index.js';
import { DatabaseTooNewError } from '../migrations.js';

export type Queryable = pg.Pool | pg.PoolClient;

/** How a pooled connection reaches its schema and which transactions it may run. */
export interface PoolSettings {
  url: string;
  schema: string;
  poolSize: number;
  readonly: boolean;
  connectTimeoutMs: number;
}

/** A PostgreSQL schema name Staffwire may put in search_path without quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreUnavailableError('store.io', `the PostgreSQL schema name "${schema}" is not usable: use lower-case letters, digits and _ (at most 63), not starting with a digit`, schema);
  }
}

export function openPool(settings: PoolSettings): pg.Pool {
  const options = [`-c search_path=${settings.schema}`, ...(settings.readonly ? ['-c default_transaction_read_only=on'] : [])].join(' ');
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    options,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: 'staffwire',
  });
  // An idle connection the server dropped (a restart, a failover) is discarded by the pool; the
  // next query opens another and reports whatever is wrong. Unheard, the event would kill the process.
  pool.on('error', () => undefined);
  return pool;
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

/** Thrown inside a transaction that found a row another one created meanwhile: run it again. */
export class ConcurrentWriteError extends Error {
  constructor(what: string) {
    super(`${what} was written by another transaction meanwhile`);
    this.name = 'ConcurrentWriteError';
  }
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return err instanceof ConcurrentWriteError || code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
}

/**
 * The pool with the rules every query follows: each write is one transaction (or one statement),
 * run again a few times when PostgreSQL aborts it for a conflict with a concurrent one, and
 * every failure to reach or use the database becomes a `StoreUnavailableError` naming where it
 * is (never with the password) and which setting chose it.
 */
export class PostgresConnection {
  constructor(
    readonly pool: pg.Pool,
    /** The database URL without its password. */
    readonly location: string,
    private readonly setting: string,
    private readonly attempts: number,
  ) {}

  async read<T>(operation: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await operation(this.pool);
    } catch (err) {
      throw this.translate(err);
    }
  }

  /** One statement on its own, committed by itself; retried like a transaction. */
  async statement<T>(operation: (db: Queryable) => Promise<T>): Promise<T> {
    return this.retrying(() => operation(this.pool));
  }

  /** BEGIN … COMMIT on one pooled connection; rolled back whole when `operation` throws. */
  async transaction<T>(operation: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await operation(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackFailure) {
          broken = rollbackFailure;
        }
        throw err;
      } finally {
        // A connection that cannot even roll back is not given to the next caller.
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (err) {
        if (!isRetryable(err)) throw this.translate(err);
        if (n >= this.attempts) {
          throw this.unavailable('store.busy', `is busy: a write kept conflicting with concurrent ones (${describe(err)}) in ${n} attempts`, err);
        }
        // Jittered, growing back-off, so two writers that collided do not collide again in step.
        await sleep(Math.random() * 5 * 2 ** n);
      }
    }
  }

  /** PostgreSQL's and the network's failures as what a user can act on; anything else (a bug, a bad record) unchanged. */
  translate(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) return err;
    if (err instanceof DatabaseTooNewError) return new StoreUnavailableError('store.io', err.message, this.location, { cause: err });
    const problem = problemOf(err);
    if (problem === undefined) return err;
    const why = describe(err);
    switch (problem) {
      case 'store.unreachable':
        return this.unavailable(problem, `cannot be reached: ${why}. Check that PostgreSQL runs there and that the URL's host, port, user and database are right`, err);
      case 'store.readonly':
        return this.unavailable(problem, `refuses writes (${why}): the database or this user is read-only`, err);
      case 'store.full':
        return this.unavailable(problem, `cannot grow: ${why}`, err);
      case 'store.busy':
        return this.unavailable(problem, `is busy: ${why}`, err);
      default:
        return this.unavailable(problem, `cannot be used: ${why}`, err);
    }
  }

  private unavailable(problem: StoreProblem, what: string, cause: unknown): StoreUnavailableError {
    return new StoreUnavailableError(problem, `the PostgreSQL store ${this.location} (set by ${this.setting}) ${what}`, this.location, { cause });
  }
}

/** A network error's code, or PostgreSQL's SQLSTATE; an AggregateError (every address refused) by its first error. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (err instanceof AggregateError) return codeOf(err.errors[0]);
  return undefined;
}

function problemOf(err: unknown): StoreProblem | undefined {
  const code = codeOf(err);
  if (code !== undefined) return PROBLEMS[code] ?? PROBLEM_CLASSES[code.slice(0, 2)];
  return err instanceof Error && UNREACHABLE_MESSAGES.some((m) => err.message.includes(m)) ? 'store.unreachable' : undefined;
}

function describe(err: unknown): string {
  const code = codeOf(err);
  const reason = code === undefined ? undefined : REASONS[code];
  const message = err instanceof AggregateError ? (err.errors[0] as Error | undefined)?.message : (err as Error).message;
  if (reason) return `${reason} (${code})`;
  return code === undefined || /^[A-Z]/.test(code) ? `${message}${code ? ` (${code})` : ''}` : `${message} (SQLSTATE ${code})`;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections at that address',
  ENOTFOUND: 'the host name is unknown',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the server closed the connection',
};

const PROBLEMS: Record<string, StoreProblem> = {
  ...Object.fromEntries(Object.keys(REASONS).map((code) => [code, 'store.unreachable' as const])),
  EPIPE: 'store.unreachable',
  // invalid_catalog_name: the database in the URL does not exist.
  '3D000': 'store.unreachable',
  '57P01': 'store.unreachable',
  '57P02': 'store.unreachable',
  '57P03': 'store.unreachable',
  '25006': 'store.readonly',
  '53100': 'store.full',
  '53300': 'store.busy',
  '55P03': 'store.busy',
  '57014': 'store.busy',
  '42501': 'store.io',
};

/** By SQLSTATE class: 08 connection exceptions, 28 authentication. */
const PROBLEM_CLASSES: Record<string, StoreProblem> = { '08': 'store.unreachable', '28': 'store.unreachable' };

/** node-postgres says these without a code. */
const UNREACHABLE_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect'];
