import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits, larkWebhook } from '../lark-shared/lark-connection.js';
import { queryActivities } from './activities-query.js';
import { queryIndicators } from './indicators-query.js';
import manifest from './manifest.json' with { type: 'json' };
import { queryReviewDatas } from './review-datas-query.js';
import { listSemesters } from './semesters-list.js';

export default defineConnector({
  manifest,
  actions: {
    'semesters.list': listSemesters,
    'activities.query': queryActivities,
    'review_datas.query': queryReviewDatas,
    'indicators.query': queryIndicators,
  },
  // One Lark app pushes every product's events to one URL: every lark-* connector shares this verifier.
  webhook: larkWebhook,
  check: larkCheck,
  clientRateLimits: larkClientRateLimits,
});
