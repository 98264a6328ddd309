import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { larkCheck, larkClientRateLimits } from '../lark-shared/lark-connection.js';
import { saveDatasourceRecords } from './datasource-records-save.js';
import { listDatasources } from './datasources-list.js';
import { batchCreateLumpSums } from './lump-sum-batch-create.js';
import { lumpSumsDestination } from './lump-sums-sync.js';
import manifest from './manifest.json' with { type: 'json' };

export default defineConnector({
  manifest,
  actions: {
    'datasources.list': listDatasources,
    'datasource_records.save': saveDatasourceRecords,
    'lump_sum.batch_create': batchCreateLumpSums,
  },
  check: larkCheck,
  clientRateLimits: larkClientRateLimits,
  syncDestinations: { lump_sums: lumpSumsDestination },
});
