import type { ActionContext, ConnectionCheckResult } from '../../src/connector-kit/connector.js';
import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { docusignClient, docusignClientRateLimits, docusignConnectWebhook } from './docusign-connection.js';
import { createEnvelopeFromTemplate } from './envelope-create-from-template.js';
import { getEnvelope } from './envelope-get.js';
import { voidEnvelope } from './envelope-void.js';
import manifest from './manifest.json' with { type: 'json' };

/**
 * Authenticates with the connection's access token by the cheapest read of the account: envelopes
 * changed since now (none, one page). A refused token or a wrong account id fails it with
 * DocuSign's own code and message.
 */
async function check(context: ActionContext): Promise<ConnectionCheckResult> {
  await docusignClient({ ...context, inlineAttempts: 1 }).send({
    method: 'GET',
    path: '/envelopes',
    query: { from_date: new Date().toISOString(), count: '1' },
    signal: context.signal,
  });
  return { ok: true, detail: `DocuSign accepted the access token for account ${String(context.connection?.settings.accountId)}` };
}

export default defineConnector({
  manifest,
  actions: {
    'envelope.create_from_template': createEnvelopeFromTemplate,
    'envelope.get': getEnvelope,
    'envelope.void': voidEnvelope,
  },
  webhook: docusignConnectWebhook,
  check,
  clientRateLimits: docusignClientRateLimits,
});
