import type { ActionContext, ConnectionCheckResult, ResolvedConnection } from '../../src/connector-kit/connector.js';
import type { ResourceScope } from '../../src/connector-kit/connection-resources.js';
import { requestsPerSecondLimit, type ClientRateLimit } from '../../src/connector-kit/rate-limiter.js';
import { WebhookRejectedError } from '../../src/connector-kit/webhooks/webhook.js';
import type { ConnectionWebhookVerifier, WebhookDeliveryTerms } from '../../src/connector-kit/webhooks/webhook-verifier.js';
import { InputError } from '../../src/errors/index.js';
import { LarkApp, larkAppLimiterKey, LarkClient } from './lark-client.js';
import { verifyLarkWebhook } from './lark-webhook.js';

/** A Lark connection's settings, as every lark-* manifest declares them. */
export interface LarkSettings {
  baseUrl?: string;
  appId: string;
  appSecret: string;
  timeoutMs?: number;
  requestsPerSecond?: number;
  webhook?: { verificationToken?: string; encryptKey?: string };
}

export const DEFAULT_LARK_BASE_URL = 'https://open.feishu.cn';

/** The connection's resource holding its LarkApp; every lark-* connector asks for the same kind, so they share one token. */
const LARK_APP = 'lark:app';

/**
 * A client for the action's connection: the connection's LarkApp (token, HTTP client and rate
 * limit, shared by every run and every lark-* connector on it) with this action's logger and
 * retry budget.
 */
export function larkClient(context: ActionContext): LarkClient {
  const connection = context.connection;
  if (!connection) throw new InputError('a Lark action needs a connection with appId and appSecret', 'lark.no_connection');
  const app = context.resources.get(LARK_APP, () => larkApp(connection.settings as unknown as LarkSettings, context.resources));
  return new LarkClient(app, { log: context.log, attempts: context.inlineAttempts, ...(context.sleep ? { sleep: context.sleep } : {}) });
}

function larkApp(settings: LarkSettings, resources: ResourceScope): LarkApp {
  const limit = appRateLimit(settings);
  return new LarkApp({
    baseUrl: settings.baseUrl ?? DEFAULT_LARK_BASE_URL,
    appId: settings.appId,
    appSecret: settings.appSecret,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    ...(limit ? { limiter: resources.rateLimiter(limit.rate) } : {}),
  });
}

/** The limit `requestsPerSecond` sets on every request of the app, when it is set. */
function appRateLimit(settings: LarkSettings): ClientRateLimit | undefined {
  return requestsPerSecondLimit(settings.requestsPerSecond, larkAppLimiterKey(settings.appId), `every request of app ${settings.appId}`);
}

/** The limiters every lark-* connector's calls on `connection` go through. */
export function larkClientRateLimits(connection: ResolvedConnection): ClientRateLimit[] {
  const limit = appRateLimit(connection.settings as unknown as LarkSettings);
  return limit ? [limit] : [];
}

/**
 * How Lark pushes events: answer within 3 s, else it retries up to 4 times, reportedly after
 * 15 s (or 5 s), 5 min, 1 h and 6 h — so a redelivery can arrive a little over 7 h after the
 * first push. The count and the 3 s are documented; the intervals are not confirmed.
 */
export const LARK_WEBHOOK_DELIVERY: WebhookDeliveryTerms = {
  answerWithinMs: 3_000,
  redeliveries: 4,
  redeliveryWindowMs: 15_000 + 5 * 60_000 + 60 * 60_000 + 6 * 60 * 60_000,
};

/**
 * Lark event pushes to one app, checked with the connection's `webhook` secrets. One verifier
 * for every lark-* connector, since one app pushes all its products' events to one URL.
 */
export const larkWebhook: ConnectionWebhookVerifier = {
  delivery: LARK_WEBHOOK_DELIVERY,
  verify(request, connection, now) {
    const secrets = (connection.settings as Partial<LarkSettings>).webhook;
    const verificationToken = secrets?.verificationToken;
    if (typeof verificationToken !== 'string' || verificationToken === '') {
      throw new WebhookRejectedError(
        'bad_token',
        `connection "${connection.name}" has no webhook.verificationToken, so no Lark push can be verified: set it to the app's Verification Token`,
      );
    }
    // Read, not caught: an Encrypt Key whose variable is unset fails here with the variable's
    // name instead of quietly letting unsigned pushes through.
    const encryptKey = secrets?.encryptKey;
    return verifyLarkWebhook(request, { verificationToken, ...(encryptKey ? { encryptKey } : {}), now: () => now.getTime() });
  },
};

/** A connection check for every Lark product: asks Lark for a tenant token with the app's id and secret. */
export async function larkCheck(context: ActionContext): Promise<ConnectionCheckResult> {
  await larkClient(context).tenantToken();
  return { ok: true, detail: `Lark issued a tenant token to app ${String(context.connection?.settings.appId)}` };
}
