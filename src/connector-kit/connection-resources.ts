import { createHash } from 'node:crypto';
import type { ResolvedConnection } from './connector.js';
import { KeyedSerialQueue, type SerialQueue } from './keyed-serial-queue.js';
import { InMemoryRateLimiter, type RateLimit, type RateLimiter } from './rate-limiter.js';

/**
 * What one connection keeps between the actions that use it, in this process: tokens, HTTP
 * clients, serial queues. An action reaches it as `context.resources`; nothing in it may hold on
 * to one run's logger, signal or input, since every later run of the process uses it too.
 */
export interface ResourceScope {
  /** The connection these resources belong to; undefined for actions called without one. */
  readonly connectionName: string | undefined;
  /**
   * The resource of this kind, created on first use and kept while the connection's settings
   * stay as they are. A kind names one type of thing, prefixed by who makes it ("lark:app",
   * "http:client"); connectors that share a connection (every lark-* one) share what they create
   * under the same kind.
   * A `create` that throws caches nothing.
   */
  get<T>(kind: string, create: () => T): T;
  /** The limiter enforcing `rate`: shared by every run of the process, and across processes when the runtime shares limits. */
  rateLimiter(rate: RateLimit): RateLimiter;
  /**
   * The serial queue of this kind for this connection (e.g. `lark-bitable:table-writes`): one per
   * process in embedded mode, one across every worker in queue mode.
   */
  serialQueue(kind: string): SerialQueue;
}

export interface ConnectionResourcesOptions {
  /** Makes the limiter for a rate: in-memory unless the runtime shares limits between processes (queue mode, on Redis). */
  createRateLimiter?: (rate: RateLimit) => RateLimiter;
  /** Makes the serial queue named `<kind>:<connection>`: in-process unless the runtime shares them (queue mode, on Redis). */
  createSerialQueue?: (name: string) => SerialQueue;
}

/**
 * Every connection's resources, created once per process by the composition root and handed to
 * actions by the engine. A connection whose settings changed (another secret, another base URL)
 * gets a fresh scope, so nothing made from the old settings is used again.
 */
export class ConnectionResources {
  private readonly scopes = new Map<string, { fingerprint: string; scope: ResourceScope }>();
  private readonly unconnected: ResourceScope;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly createRateLimiter: (rate: RateLimit) => RateLimiter;
  readonly createSerialQueue: (name: string) => SerialQueue;

  constructor(options: ConnectionResourcesOptions = {}) {
    this.createRateLimiter = options.createRateLimiter ?? ((rate) => new InMemoryRateLimiter(rate));
    this.createSerialQueue = options.createSerialQueue ?? (() => new KeyedSerialQueue());
    this.unconnected = new Scope(undefined, this);
  }

  /** The resources of `connectionName` as configured now; `settingsFingerprint` changes whenever its settings do. */
  scope(connectionName: string, settingsFingerprint: string): ResourceScope {
    const current = this.scopes.get(connectionName);
    if (current?.fingerprint === settingsFingerprint) return current.scope;
    // The old scope is dropped, not closed: a run still using it finishes with what it holds.
    const scope = new Scope(connectionName, this);
    this.scopes.set(connectionName, { fingerprint: settingsFingerprint, scope });
    return scope;
  }

  /** `scope()` for a resolved connection, or the process's one scope for actions called without a connection. */
  scopeFor(connection: ResolvedConnection | undefined): ResourceScope {
    return connection ? this.scope(connection.name, settingsFingerprint(connection.settings)) : this.unconnected;
  }

  /**
   * One limiter per rate for the whole process: the key given to `acquire` says what it counts,
   * so two connections to one vendor app share the app's bucket, as the vendor counts it. The API
   * reads a connection's limits through here too: making a limiter sends and counts nothing, so
   * one no call has used yet reads all free (or, shared, as the other processes left it).
   */
  rateLimiter(rate: RateLimit): RateLimiter {
    const id = `${rate.limit}/${rate.perMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = this.createRateLimiter(rate);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

class Scope implements ResourceScope {
  private readonly resources = new Map<string, unknown>();

  constructor(
    readonly connectionName: string | undefined,
    private readonly owner: ConnectionResources,
  ) {}

  get<T>(kind: string, create: () => T): T {
    if (this.resources.has(kind)) return this.resources.get(kind) as T;
    const resource = create();
    this.resources.set(kind, resource);
    return resource;
  }

  rateLimiter(rate: RateLimit): RateLimiter {
    return this.owner.rateLimiter(rate);
  }

  serialQueue(kind: string): SerialQueue {
    return this.get(`serial-queue:${kind}`, () => this.owner.createSerialQueue(`${kind}:${this.connectionName ?? '-'}`));
  }
}

/**
 * A digest of resolved settings, stable under key order. Secrets go into the digest, never into
 * a key anyone can read. A secret whose variable is unset counts as "unset" instead of being read
 * (reading it throws): the action that needs it fails with the variable's name, as it would have.
 */
export function settingsFingerprint(settings: Record<string, unknown>): string {
  return createHash('sha256').update(canonical(settings)).digest('hex').slice(0, 32);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const entries = Object.keys(value)
    .sort()
    .map((key) => {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      const text = descriptor && 'value' in descriptor ? canonical(descriptor.value) : '<unset secret>';
      return `${JSON.stringify(key)}:${text}`;
    });
  return Array.isArray(value) ? `[${entries.join(',')}]` : `{${entries.join(',')}}`;
}
