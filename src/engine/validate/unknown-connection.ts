import type { ConnectionConfig } from '../../connector-kit/connection.js';

/** The message for a connection name the configuration does not hold. */
export function unknownConnection(name: string, connections: Record<string, ConnectionConfig>): string {
  const known = Object.keys(connections);
  return `unknown connection "${name}": add it under "connections" in staffwire.config.json (configured: ${known.join(', ') || 'none'})`;
}
