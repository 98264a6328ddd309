import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ConnectionResources } from './connection-resources.js';
import { resolveConnection, type ConnectionConfig } from './connection.js';
import type { ConnectionCheckResult, Connector } from './connector.js';

/** A check's result, with the error's code when it failed by throwing, and whether it ran out of time. */
export type ConnectionCheckOutcome = ConnectionCheckResult & { code?: string; timedOut?: boolean };

export interface CheckConnectionOptions {
  env: NodeJS.ProcessEnv;
  log: Logger;
  timeoutMs: number;
}

/**
 * One configured connection checked against its vendor by its connector's `check`: for the
 * API's check route and `staffwire doctor`. Never throws: a missing secret, a vendor error or no
 * answer in time is a failed check with its message and code. The signal bounds what the
 * connector sends through it; the deadline also bounds what it does not (a token request).
 */
export async function checkConnection(
  check: NonNullable<Connector['check']>,
  name: string,
  settings: ConnectionConfig,
  options: CheckConnectionOptions,
): Promise<ConnectionCheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException('the check ran out of time', 'TimeoutError')), options.timeoutMs);
  });
  try {
    const checked = async () => {
      // Inside the try: reading an unset secret throws connection.secret_missing.
      const connection = resolveConnection(name, settings, options.env);
      return check({
        connection,
        idempotencyKey: randomUUID(),
        attempt: 1,
        signal: AbortSignal.timeout(options.timeoutMs),
        log: options.log,
        // Resources of its own: no cached token or client stands in for the credentials as configured now.
        resources: new ConnectionResources().scopeFor(connection),
        inlineAttempts: 1,
      });
    };
    return await Promise.race([checked(), deadline]);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    return {
      ok: false,
      detail: timedOut ? `no answer within ${options.timeoutMs} ms` : err instanceof Error ? err.message : String(err),
      ...(typeof code === 'string' ? { code } : {}),
      ...(timedOut ? { timedOut } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}
