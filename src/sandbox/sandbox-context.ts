import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SeededCompany } from './seed-company.js';

/** Credentials the sandbox accepts; documented in the README, overridable on the command line. */
export interface SandboxCredentials {
  lark: { appId: string; appSecret: string; verificationToken: string; encryptKey: string; tenantKey: string };
  docusign: { accountId: string; accessToken: string; connectSecret: string };
}

export interface SandboxFaults {
  /** Share of vendor requests (0–1) answered with the vendor's 5xx error. */
  errorRate: number;
  /** Added to every vendor request, in ms. */
  latencyMs: number;
  /** The next this-many vendor requests are answered 429 with the vendor's headers. */
  burst429: number;
}

/** What a connector's sandbox fake gets: shared state, clock, faults, credentials, the seeded company. */
export interface SandboxContext {
  credentials: SandboxCredentials;
  /** Lifetime of issued Lark tenant tokens, in seconds (short values exercise refresh). */
  tokenTtlSeconds: number;
  /**
   * Set by `POST /_sandbox/faults` and applied by the server to vendor requests before any fake
   * sees them: fakes need not (and should not, or a fault would apply twice) act on them.
   */
  faults: SandboxFaults;
  /** This sandbox's copy of the seeded company; `POST /_sandbox/reset` replaces it, so read it per request. */
  company: SeededCompany;
  now(): number;
  /**
   * Per-connector mutable state, exposed read-only at GET /_sandbox/state. `POST /_sandbox/reset`
   * re-runs `init` and puts the result into the same object (or Map, Set, array), in place.
   */
  state<T extends object>(connectorId: string, init: () => T): T;
  /** Per (connector, api) limit: false means answer 429. Limits come from the connector's own rules. */
  allow(key: string, limit: number, perMs: number): boolean;
  /** Requests `allow` refused since the sandbox started: what a test of client-side limits counts. */
  readonly rateLimitRefusals: number;
  /**
   * Pushes an event the way the vendor would after a change a fake made (an offboarding
   * submitted, approved): built by the connector's (or its vendor's shared) `delivery`, queued
   * and sent in order to the target set by `POST /_sandbox/emission`, never holding up the call
   * that caused it. Without a target it is only recorded, at `GET /_sandbox/emission`.
   */
  emit(connectorId: string, event: { type: string; payload: Record<string, unknown> }): void;
  /** Waits as long as the fake's work takes (a vendor write holding a lock); tests inject their own, so nothing waits on a real timer. */
  sleep(ms: number): Promise<void>;
}

/** A webhook delivery a fake builds when asked to emit an event: signed/encrypted as the vendor does. */
export interface SandboxDelivery {
  headers: Record<string, string>;
  body: string;
}

/** How one vendor's API answers an injected server error and an overrun rate limit, in its own envelope. */
export interface VendorFaultAnswers {
  /** Requests under this path prefix belong to the vendor. */
  pathPrefix: string;
  /**
   * Never faulted: token issuance is the client's plumbing, not the call under test, and a 429
   * burst counted against it would make "the next N requests" depend on whether the client
   * happened to hold a cached token.
   */
  exemptPaths: string[];
  serverError(reply: FastifyReply): FastifyReply;
  rateLimited(reply: FastifyReply): FastifyReply;
}

/**
 * One list a fake holds that flows and tests refer to by id — offers, employees, departments,
 * tables — as `GET /_sandbox/seed` and `staffwire sandbox --print-seed` list it.
 */
export interface SandboxSeedSection {
  /** Unique across the fakes: `GET /_sandbox/seed?section=<name>`. */
  name: string;
  /** What the items are and which actions take them, in a line. */
  title: string;
  /** The fields `--print-seed` shows as columns, in order; the JSON carries every field. */
  columns: string[];
  /** How many items there are now. */
  size: number;
  /** The item at an index, in the vendor's field names, built on demand: a page of 100k employees costs a page. */
  item(index: number): Record<string, unknown>;
  /** What the items cannot say, e.g. that any template id is accepted. */
  note?: string;
}

/** `connectors/<id>/sandbox.ts` default-exports one. */
export interface SandboxModule {
  register(app: FastifyInstance, context: SandboxContext): void | Promise<void>;
  /**
   * Creates this fake's state (through `context.state`) and returns it. The server calls it as
   * soon as the fake is registered, so `GET /_sandbox/state?connector=<id>` answers from the
   * first request, with empty collections where nothing has happened yet.
   */
  state?(context: SandboxContext): object;
  /**
   * What this fake holds for a developer to write flows and tests against (`GET /_sandbox/seed`):
   * the seeded data as the fake serves it now. Called per request, so it reads the current state.
   */
  seed?(context: SandboxContext): SandboxSeedSection[];
  /**
   * Builds the delivery of an event of this connector (`POST /_sandbox/events`). A connector
   * without one emits through its vendor's shared module: lark-corehr through lark-shared.
   */
  delivery?(context: SandboxContext, event: { type: string; payload: Record<string, unknown>; id?: string }): SandboxDelivery;
  /** The vendor's fault answers, given by one module per vendor (lark-shared, docusign). */
  faults?: VendorFaultAnswers;
}

export type { FastifyInstance, FastifyReply, FastifyRequest };
