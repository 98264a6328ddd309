import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { docusignConnectWebhook } from './docusign-connection.js';
import { createEnvelopeFromTemplate } from './envelope-create-from-template.js';
import { getEnvelope } from './envelope-get.js';
import { voidEnvelope } from './envelope-void.js';
import manifest from './manifest.json' with { type: 'json' };

export default defineConnector({
  manifest,
  actions: {
    'envelope.create_from_template': createEnvelopeFromTemplate,
    'envelope.get': getEnvelope,
    'envelope.void': voidEnvelope,
  },
  webhook: docusignConnectWebhook,
});
