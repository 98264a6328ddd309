import type { Logger } from 'pino';
import type { ResourceScope } from './connection-resources.js';
import type { ConnectorManifest } from './manifest.js';
import type { ClientRateLimit } from './rate-limiter.js';
import type { Sleep } from '../clock/clock.js';
import type { SyncDestination } from './sync-destination.js';
import type { ConnectionWebhookVerifier } from './webhooks/webhook-verifier.js';

/** A connection from staffwire.config.json with its secret references resolved. */
export interface ResolvedConnection {
  name: string;
  connector: string;
  settings: Record<string, unknown>;
}

/** What the engine hands an action: no engine internals, only what a vendor call needs. */
export interface ActionContext {
  /** Undefined when the connector needs none and the step names none. */
  connection: ResolvedConnection | undefined;
  /** Stable across retries and crash recovery of the same step iteration (a UUID). */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  signal: AbortSignal;
  /** This run's and step's logger: vendor clients log every request through it, never through one they kept. */
  log: Logger;
  /**
   * What the connection keeps across runs in this process (tokens, HTTP clients, rate limiters,
   * serial queues), for `connection` as configured now; the process-wide scope when there is none.
   */
  resources: ResourceScope;
  /**
   * How many attempts the vendor client may make itself on transient failures (429, 5xx,
   * timeouts, network errors) before the error goes up with its category and retryAfterMs.
   * 1 when the step has a retry policy: the policy is the whole budget, and the engine makes
   * every further attempt. A Lark token refresh is not an attempt.
   */
  inlineAttempts: number;
  /**
   * How the vendor client waits out a back-off between inline attempts (a 429's reset, a 5xx's
   * delay); real time when absent. Connector tests pass one that returns at once.
   */
  sleep?: Sleep;
}

export type ActionHandler = (input: never, context: ActionContext) => Promise<unknown>;

/** What a connection check found: whether the vendor accepted the connection, and what it said. */
export interface ConnectionCheckResult {
  ok: boolean;
  /** What was tried and what came of it, e.g. `Lark issued a tenant token to app cli_a1b2`. */
  detail: string;
}

/** An adapter for one vendor API; `connectors/<id>/index.ts` default-exports one, made with defineConnector. */
export interface Connector {
  manifest: ConnectorManifest;
  actions: Record<string, ActionHandler>;
  /** Verifies and decodes the vendor's webhooks, for connectors that receive them. */
  webhook?: ConnectionWebhookVerifier;
  /**
   * Authenticates against the vendor with `context.connection` by the cheapest call that proves
   * the credentials work (a token, a read of one record), for `POST /api/v1/connections/:name/check`.
   * Resolves `ok: false` with the vendor's answer when it refuses; may also throw (an unset
   * secret, no answer), which the caller reports as a failed check with the error's message.
   */
  check?: (context: ActionContext) => Promise<ConnectionCheckResult>;
  /**
   * The limiters calls on `connection` go through, with the rate and key the actions ask them
   * with, so the API can show each one's state without a call. Made from settings that are no
   * secret (an app id, `requestsPerSecond`), never from a secret.
   */
  clientRateLimits?: (connection: ResolvedConnection) => ClientRateLimit[];
  /** The code of each destination the manifest's `syncDestinations` declares. */
  syncDestinations?: Record<string, SyncDestination>;
}
