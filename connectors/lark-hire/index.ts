import type { Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import { getApplication, transferApplicationToOnboard } from './application.js';
import manifest from './manifest.json' with { type: 'json' };
import { getOffer } from './offer.js';

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: {
    'offer.get': getOffer,
    'application.get': getApplication,
    'application.transfer_onboard': transferApplicationToOnboard,
  },
};

export default connector;
