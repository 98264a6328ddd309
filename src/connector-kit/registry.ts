import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { schemaValidator } from '../schemas.js';
import type { Connector } from './connector.js';
import type { ActionManifest, ConnectorManifest } from './manifest.js';

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
