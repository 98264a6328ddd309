import type { ActionContext, ResolvedConnection } from '../../src/connector-kit/connector.js';
import { requestsPerSecondLimit, type ClientRateLimit } from '../../src/connector-kit/rate-limiter.js';
import type { ConnectionWebhookVerifier, WebhookDeliveryTerms } from '../../src/connector-kit/webhooks/webhook-verifier.js';
import { InputError } from '../../src/errors/index.js';
import { verifyDocusignConnect } from './connect-webhook.js';
import { docusignAccountLimiterKey, DocusignClient } from './docusign-client.js';

/** A DocuSign connection's settings as the manifest declares them, secrets resolved. */
export interface DocusignSettings {
  baseUri: string;
  accountId: string;
  accessToken: string;
  timeoutMs?: number;
  requestsPerSecond?: number;
  connectSecrets?: string[];
}

/**
 * A client for the action's connection, made per call: it logs with the action's own logger
 * (run and step ids) and retries within the action's budget, while the rate limiter is the
 * process's, shared by every run on the account.
 */
export function docusignClient(context: ActionContext): DocusignClient {
  const connection = context.connection;
  if (!connection) {
    throw new InputError('a DocuSign action needs a connection (baseUri, accountId, accessToken): name one in the step', 'docusign.no_connection');
  }
  const settings = connection.settings as unknown as DocusignSettings;
  const limit = accountRateLimit(settings);
  return new DocusignClient({
    connectionName: connection.name,
    baseUri: settings.baseUri,
    accountId: settings.accountId,
    accessToken: settings.accessToken,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    ...(limit ? { limiter: context.resources.rateLimiter(limit.rate) } : {}),
    attempts: context.inlineAttempts,
    log: context.log,
    ...(context.sleep ? { sleep: context.sleep } : {}),
  });
}

/** The limit `requestsPerSecond` sets on every request to the account, when it is set. */
function accountRateLimit(settings: DocusignSettings): ClientRateLimit | undefined {
  return requestsPerSecondLimit(settings.requestsPerSecond, docusignAccountLimiterKey(settings.accountId), `every request to account ${settings.accountId}`);
}

/** The limiters a DocuSign connection's calls go through. */
export function docusignClientRateLimits(connection: ResolvedConnection): ClientRateLimit[] {
  const limit = accountRateLimit(connection.settings as unknown as DocusignSettings);
  return limit ? [limit] : [];
}

/**
 * How Connect delivers: DocuSign asks listeners to answer within 5 s
 * (developers.docusign.com/platform/webhooks/connect/implement). Its retry schedule is not
 * confirmed, and an administrator can republish failed deliveries at any time, so no
 * redelivery window is stated.
 */
export const CONNECT_WEBHOOK_DELIVERY: WebhookDeliveryTerms = { answerWithinMs: 5_000 };

/** Connect deliveries, checked against the connection's `connectSecrets` (any one key may match). */
export const docusignConnectWebhook: ConnectionWebhookVerifier = {
  delivery: CONNECT_WEBHOOK_DELIVERY,
  verify: (request, connection, now) =>
    verifyDocusignConnect(request, (connection.settings as Partial<DocusignSettings>).connectSecrets ?? [], { now: () => now.getTime() }),
};
