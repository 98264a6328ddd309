import type { Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import { createEnvelopeFromTemplate } from './envelope-create-from-template.js';
import { getEnvelope } from './envelope-get.js';
import { voidEnvelope } from './envelope-void.js';
import manifest from './manifest.json' with { type: 'json' };

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: {
    'envelope.create_from_template': createEnvelopeFromTemplate,
    'envelope.get': getEnvelope,
    'envelope.void': voidEnvelope,
  },
};

export default connector;
