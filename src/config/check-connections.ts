import type { ConnectorRegistry } from '../connector-kit/registry.js';
import { UsageError } from '../errors/index.js';
import { compileSchema } from '../schemas.js';
import { closest } from '../engine/validate/did-you-mean.js';
import { schemaDiagnostics } from '../engine/validate/schema-errors.js';
import type { StaffwireConfig } from './config.js';

/**
 * Checks each configured connection against its connector's manifest, so a typo or an inline
 * secret is reported at start-up with the connection's name, not halfway through a run.
 */
export function checkConnections(config: StaffwireConfig, connectors: ConnectorRegistry): void {
  const problems: string[] = [];
  for (const [name, connection] of Object.entries(config.connections)) {
    const connector = connectors.get(connection.connector);
    if (!connector) {
      const suggestion = closest(connection.connector, connectors.list().map((m) => m.id));
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
      problems.push(`/connections/${name}/connector  unknown connector "${connection.connector}"${hint}: \`staffwire connectors list\` shows the installed ones`);
      continue;
    }
    const validate = compileSchema(connector.manifest.connection.schema);
    if (validate(connection)) continue;
    for (const d of schemaDiagnostics(validate.errors ?? [], connection)) {
      problems.push(`/connections/${name}${d.pointer}  ${d.message}`);
    }
  }
  if (problems.length > 0) {
    const where = config.file ?? 'the configuration';
    throw new UsageError(`invalid connections in ${where} (secrets must be {"env": "NAME"} references):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}
