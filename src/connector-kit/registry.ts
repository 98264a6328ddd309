import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../package-root.js';
import { ajv, schemaValidator } from '../schemas.js';
import type { Connector, ResolvedConnection } from './connector.js';
import type { ActionManifest, ConnectorManifest } from './manifest.js';
import type { ClientRateLimit } from './rate-limiter.js';
import type { ConnectionWebhookVerifier } from './webhooks/webhook-verifier.js';

/** Connectors by id. The engine reaches vendors only through this. */
export class ConnectorRegistry {
  private readonly connectors = new Map<string, Connector>();

  register(connector: Connector): this {
    const validate = schemaValidator('connector');
    if (!validate(connector.manifest)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
      throw new Error(`connector manifest ${String((connector.manifest as { id?: unknown }).id ?? '(no id)')} is invalid: ${problems}`);
    }
    for (const name of Object.keys(connector.manifest.actions)) {
      if (typeof connector.actions[name] !== 'function') {
        throw new Error(`connector ${connector.manifest.id} declares action ${name} but does not implement it`);
      }
    }
    if (connector.webhook !== undefined && typeof connector.webhook.verify !== 'function') {
      throw new Error(`connector ${connector.manifest.id} declares a webhook without a verify function`);
    }
    this.connectors.set(connector.manifest.id, connector);
    return this;
  }

  get(id: string): Connector | undefined {
    return this.connectors.get(id);
  }

  list(): ConnectorManifest[] {
    return [...this.connectors.values()].map((c) => c.manifest).sort((a, b) => a.id.localeCompare(b.id));
  }

  action(connectorId: string, action: string): ActionManifest | undefined {
    return this.connectors.get(connectorId)?.manifest.actions[action];
  }

  /**
   * The verifier for deliveries addressed to a connection of this connector: its own, or else
   * that of a connector sharing its connections — one Lark app pushes every product's events to
   * one URL, so a connection made for lark-contact receives CoreHR and Hire events all the same.
   */
  webhookFor(connectorId: string): ConnectionWebhookVerifier | undefined {
    const connector = this.connectors.get(connectorId);
    if (!connector) return undefined;
    if (connector.webhook) return connector.webhook;
    for (const id of [...this.connectors.keys()].sort()) {
      const other = this.connectors.get(id)!;
      if (other.webhook && this.shareConnections(connectorId, id)) return other.webhook;
    }
    return undefined;
  }

  /**
   * The limiters calls on `connection` go through, whichever connector serving it makes them: a
   * Lark connection made for CoreHR also runs lark-contact's freezes, under lark-contact's limit.
   * One limiter that several connectors name is listed once.
   */
  clientRateLimits(connection: ResolvedConnection): ClientRateLimit[] {
    const limits = new Map<string, ClientRateLimit>();
    for (const [id, connector] of [...this.connectors].sort(([a], [b]) => a.localeCompare(b))) {
      if (!this.shareConnections(connection.connector, id)) continue;
      for (const limit of connector.clientRateLimits?.(connection) ?? []) limits.set(`${limit.key} ${limit.rate.limit}/${limit.rate.perMs}`, limit);
    }
    return [...limits.values()];
  }

  /**
   * Whether a connection made for connector `a` serves connector `b`: the same connector, or
   * connectors whose manifests reference one shared connection schema (every Lark product).
   */
  shareConnections(a: string, b: string): boolean {
    if (a === b) return true;
    const refA = this.connectors.get(a)?.manifest.connection.schema.$ref;
    return typeof refA === 'string' && refA === this.connectors.get(b)?.manifest.connection.schema.$ref;
  }

  /** A connector's connection schema with a top-level $ref followed, for display. */
  connectionSchema(connectorId: string): Record<string, unknown> | undefined {
    const schema = this.connectors.get(connectorId)?.manifest.connection.schema;
    const ref = schema?.$ref;
    if (typeof ref === 'string') return ajv().getSchema(ref)?.schema as Record<string, unknown> | undefined;
    return schema;
  }
}

const connectorsDir = fileURLToPath(new URL('../../connectors/', import.meta.url));
// Under vitest the sources run as .ts; the built package runs dist/connectors/*/index.js.
const entryFile = import.meta.url.endsWith('.ts') ? 'index.ts' : 'index.js';

let discovered: Promise<ConnectorRegistry> | undefined;

/** Every folder under connectors/ with an entry module: adding a vendor is adding a folder. */
export function discoverConnectors(): Promise<ConnectorRegistry> {
  discovered ??= (async () => {
    const registry = new ConnectorRegistry();
    const ids = existsSync(connectorsDir)
      ? readdirSync(connectorsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
      : [];
    // Schemas shared between connectors (e.g. one connection schema for every Lark product)
    // are referenced from manifests by their $id.
    // They are read from the package's connectors/ folder, which tsc does not copy into dist/.
    const sourceDir = join(packageRoot, 'connectors');
    for (const id of existsSync(sourceDir) ? readdirSync(sourceDir) : []) {
      const folder = join(sourceDir, id);
      if (!statSync(folder).isDirectory()) continue;
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.schema.json'))) {
        const schema = JSON.parse(readFileSync(join(folder, file), 'utf8')) as { $id?: string };
        if (schema.$id && !ajv().getSchema(schema.$id)) ajv().addSchema(schema);
      }
    }
    for (const id of ids) {
      const entry = join(connectorsDir, id, entryFile);
      if (!existsSync(entry)) continue;
      const module = (await import(pathToFileURL(entry).href)) as { default: Connector };
      registry.register(module.default);
    }
    return registry;
  })();
  return discovered;
}
