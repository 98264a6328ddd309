import type { Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import { listFields } from './fields-list.js';
import manifest from './manifest.json' with { type: 'json' };
import { batchCreateRecords, batchDeleteRecords, batchUpdateRecords } from './records-batch.js';
import { searchRecords } from './records-search.js';

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: {
    'records.search': searchRecords,
    'records.batch_create': batchCreateRecords,
    'records.batch_update': batchUpdateRecords,
    'records.batch_delete': batchDeleteRecords,
    'fields.list': listFields,
  },
};

export default connector;
