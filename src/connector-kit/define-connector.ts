import type { ActionHandler, Connector } from './connector.js';
import type { ConnectorManifest } from './manifest.js';
import type { SyncDestination } from './sync-destination.js';
import type { ConnectionWebhookVerifier } from './webhooks/webhook-verifier.js';

/**
 * A manifest as TypeScript reads it from `manifest.json`: every field typed as written, except
 * that the category is any string (JSON imports widen literals).
 */
export type ManifestJson = Omit<ConnectorManifest, 'category'> & { category: string };

export interface ConnectorDefinition<Manifest extends ManifestJson> {
  manifest: Manifest;
  /** One handler per action the manifest declares, and no other (the manifest alone decides the names). */
  actions: NoInfer<{ [Name in keyof Manifest['actions']]: ActionHandler }>;
  /** The verifier for the vendor's webhooks, for connectors that receive them. */
  webhook?: ConnectionWebhookVerifier;
  /** The cheapest call proving a connection's credentials work (see Connector.check). */
  check?: Connector['check'];
  /** The limiters a connection's calls go through (see Connector.clientRateLimits). */
  clientRateLimits?: Connector['clientRateLimits'];
  /** One per destination the manifest's `syncDestinations` declares, and no other. */
  syncDestinations?: NoInfer<{ [Name in keyof NonNullable<Manifest['syncDestinations']>]: SyncDestination }>;
}

/**
 * A connector from its manifest (the JSON import as it is), its actions, its webhook verifier
 * and its connection check. The compiler holds the actions to the manifest's action names: a missing or an extra
 * handler does not type-check.
 */
export function defineConnector<Manifest extends ManifestJson>(definition: ConnectorDefinition<Manifest>): Connector {
  return {
    // The one cast: the registry validates the whole manifest against
    // schemas/connector.schema.json (the category among it) when it registers the connector.
    manifest: definition.manifest as ConnectorManifest,
    actions: definition.actions as Record<string, ActionHandler>,
    ...(definition.webhook ? { webhook: definition.webhook } : {}),
    ...(definition.check ? { check: definition.check } : {}),
    ...(definition.clientRateLimits ? { clientRateLimits: definition.clientRateLimits } : {}),
    ...(definition.syncDestinations ? { syncDestinations: definition.syncDestinations as Record<string, SyncDestination> } : {}),
  };
}
