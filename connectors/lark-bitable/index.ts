import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits } from '../lark-shared/lark-connection.js';
import { listFields } from './fields-list.js';
import manifest from './manifest.json' with { type: 'json' };
import { batchCreateRecords, batchDeleteRecords, batchUpdateRecords } from './records-batch.js';
import { searchRecords } from './records-search.js';
import { recordsDestination } from './records-sync.js';

export default defineConnector({
  manifest,
  actions: {
    'records.search': searchRecords,
    'records.batch_create': batchCreateRecords,
    'records.batch_update': batchUpdateRecords,
    'records.batch_delete': batchDeleteRecords,
    'fields.list': listFields,
  },
  check: larkCheck,
  clientRateLimits: larkClientRateLimits,
  syncDestinations: { records: recordsDestination },
});
