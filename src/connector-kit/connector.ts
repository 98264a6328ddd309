import type { Logger } from 'pino';
import type { ConnectorManifest } from './manifest.js';

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
  log: Logger;
}

export type ActionHandler = (input: never, context: ActionContext) => Promise<unknown>;

/** An adapter for one vendor API; `connectors/<id>/index.ts` default-exports one. */
export interface Connector {
  manifest: ConnectorManifest;
  actions: Record<string, ActionHandler>;
}
