import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConnectionResources } from '../../connector-kit/connection-resources.js';
import { resolveConnection } from '../../connector-kit/connection.js';
import type { ConnectionCheckResult } from '../../connector-kit/connector.js';
import { messageOf, type DoctorCheck } from './doctor-check.js';
import type { LoadedConfig } from './config-check.js';

/** How long one connection's check may wait for its vendor. */
const CHECK_TIMEOUT_MS = 10_000;

type CheckOutcome = ConnectionCheckResult & { code?: string; timedOut?: boolean };

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
      const check = connector.check.bind(connector);
      const outcome = await withDeadline(() => {
        // Inside the deadline's try: reading an unset secret throws connection.secret_missing.
        const connection = resolveConnection(name, settings, env);
        return check({
          connection,
          idempotencyKey: randomUUID(),
          attempt: 1,
          signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
          log: log.child({ connection: name }),
          resources: new ConnectionResources().scopeFor(connection),
          inlineAttempts: 1,
        });
      });
      if (outcome.ok) return result('ok', outcome.detail);
      return result('fail', `${outcome.code ? `${outcome.code}: ` : ''}${outcome.detail}`, fixFor(outcome, settings.connector, config.file));
    }),
  );
}

/**
 * The check's result, or a failed one with the error's message and code. The signal bounds what
 * the connector sends through it; the deadline also bounds what it does not (a token request).
 */
async function withDeadline(check: () => Promise<ConnectionCheckResult>): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException('the check ran out of time', 'TimeoutError')), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check(), deadline]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    return {
      ok: false,
      detail: timedOut ? `no answer within ${CHECK_TIMEOUT_MS / 1000} s` : messageOf(err),
      ...(typeof code === 'string' ? { code } : {}),
      ...(timedOut ? { timedOut } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}

function fixFor(outcome: CheckOutcome, connector: string, file: string | undefined): string {
  if (outcome.code === 'connection.secret_missing') return 'export the variable named, here and wherever serve and the workers run (doctor checks with its own environment)';
  if (outcome.timedOut) return 'check the base URL, and that this machine can reach the vendor (proxy, firewall)';
  return `check the base URL and credentials in ${file ?? 'the configuration'}; \`staffwire connectors show ${connector}\` lists the settings`;
}
