import type { Logger } from 'pino';
import { checkConnection, type ConnectionCheckOutcome } from '../../connector-kit/check-connection.js';
import type { DoctorCheck } from './doctor-check.js';
import type { LoadedConfig } from './config-check.js';

/** How long one connection's check may wait for its vendor. */
const CHECK_TIMEOUT_MS = 10_000;

/**
 * Each configured connection checked against its vendor, all at once, the way
 * `POST /api/v1/connections/:name/check` does: the connector's own check, with the secrets in
 * this process's environment and resources of its own, so no cached token stands in for them.
 */
export function checkConnectionsLive(loaded: LoadedConfig, log: Logger, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const { config, connectors, validConnections } = loaded;
  return Promise.all(
    Object.entries(config.connections).map(async ([name, settings]): Promise<DoctorCheck> => {
      const result = (status: DoctorCheck['status'], finding: string, fix?: string): DoctorCheck => ({
        group: 'connection',
        name: `connection ${name}`,
        status,
        finding: `${settings.connector}: ${finding}`,
        ...(fix ? { fix } : {}),
      });
      if (!validConnections.includes(name)) return result('skip', 'not checked: its settings are invalid (see connections)');
      const connector = connectors.get(settings.connector)!;
      if (!connector.check) return result('skip', `connector ${settings.connector} has no check of its connections`);
      const outcome = await checkConnection(connector.check, name, settings, { env, log: log.child({ connection: name }), timeoutMs: CHECK_TIMEOUT_MS });
      if (outcome.ok) return result('ok', outcome.detail);
      return result('fail', `${outcome.code ? `${outcome.code}: ` : ''}${outcome.detail}`, fixFor(outcome, settings.connector, config.file));
    }),
  );
}

function fixFor(outcome: ConnectionCheckOutcome, connector: string, file: string | undefined): string {
  if (outcome.code === 'connection.secret_missing') return 'export the variable named, here and wherever serve and the workers run (doctor checks with its own environment)';
  if (outcome.timedOut) return 'check the base URL, and that this machine can reach the vendor (proxy, firewall)';
  return `check the base URL and credentials in ${file ?? 'the configuration'}; \`staffwire connectors show ${connector}\` lists the settings`;
}
