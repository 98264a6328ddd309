import type { ActionContext } from '../../src/connector-kit/connector.js';
import { RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { InputError } from '../../src/errors/index.js';
import { DocusignClient } from './docusign-client.js';

/** A DocuSign connection's settings as the manifest declares them, secrets resolved. */
export interface DocusignSettings {
  baseUri: string;
  accountId: string;
  accessToken: string;
  timeoutMs?: number;
  requestsPerSecond?: number;
  connectSecrets?: string[];
}

/** One limiter per connection and limit, so every run using the connection shares it. */
const limiters = new Map<string, RateLimiter>();

/** A client for the action's connection, logging with the action's own logger (run and step ids). */
export function docusignClient(context: ActionContext): DocusignClient {
  const connection = context.connection;
  if (!connection) {
    throw new InputError('a DocuSign action needs a connection (baseUri, accountId, accessToken): name one in the step', 'docusign.no_connection');
  }
  const settings = connection.settings as unknown as DocusignSettings;
  let limiter: RateLimiter | undefined;
  if (settings.requestsPerSecond) {
    const key = `${connection.name}\u0000${settings.baseUri}\u0000${settings.accountId}\u0000${settings.requestsPerSecond}`;
    limiter = limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(settings.requestsPerSecond, 1000);
      limiters.set(key, limiter);
    }
  }
  return new DocusignClient({
    connectionName: connection.name,
    baseUri: settings.baseUri,
    accountId: settings.accountId,
    accessToken: settings.accessToken,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    ...(limiter ? { limiter } : {}),
    log: context.log,
  });
}
