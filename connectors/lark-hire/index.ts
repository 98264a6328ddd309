import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits, larkWebhook } from '../lark-shared/lark-connection.js';
import { getApplication, transferApplicationToOnboard } from './application.js';
import manifest from './manifest.json' with { type: 'json' };
import { getOffer } from './offer.js';
import { getTalent } from './talent.js';

export default defineConnector({
  manifest,
  actions: {
    'offer.get': getOffer,
    'application.get': getApplication,
    'talent.get': getTalent,
    'application.transfer_onboard': transferApplicationToOnboard,
  },
  // One Lark app pushes every product's events to one URL: every lark-* connector shares this verifier.
  webhook: larkWebhook,
  check: larkCheck,
  clientRateLimits: larkClientRateLimits,
});
