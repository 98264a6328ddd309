import type { CompileEnvironment } from '../steps/step-kind.js';
import { closest } from './did-you-mean.js';
import { unknownConnection } from './unknown-connection.js';

/**
 * What is wrong with naming `event` from `connection` (an event trigger, a listen step), each
 * problem on the field it is about; none when the connection's connector delivers that event.
 */
export function eventSourceProblems(env: CompileEnvironment, connectionName: string, event: string): { field: 'connection' | 'event'; message: string }[] {
  const connection = env.connections[connectionName];
  if (!connection) return [{ field: 'connection', message: unknownConnection(connectionName, env.connections) }];
  const connector = env.connectors.get(connection.connector);
  if (!connector) {
    return [{ field: 'connection', message: `connection "${connectionName}" is for connector "${connection.connector}", which is not installed` }];
  }
  // One Lark app delivers the events of every Lark product its connection serves.
  const served = env.connectors.list().filter((m) => env.connectors.shareConnections(connection.connector, m.id));
  const events = served.flatMap((m) => Object.keys(m.events ?? {}));
  if (events.includes(event)) return [];
  const suggestion = closest(event, events);
  return [
    {
      field: 'event',
      message: `connection "${connectionName}" delivers no event "${event}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: \`staffwire connectors show ${connector.manifest.id}\` lists the events`,
    },
  ];
}
