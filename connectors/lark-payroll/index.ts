import type { Connector } from '../../src/connector-kit/connector.js';
import type { ConnectorManifest } from '../../src/connector-kit/manifest.js';
import { saveDatasourceRecords } from './datasource-records-save.js';
import { listDatasources } from './datasources-list.js';
import { batchCreateLumpSums } from './lump-sum-batch-create.js';
import manifest from './manifest.json' with { type: 'json' };

const connector: Connector = {
  manifest: manifest as unknown as ConnectorManifest,
  actions: {
    'datasources.list': listDatasources,
    'datasource_records.save': saveDatasourceRecords,
    'lump_sum.batch_create': batchCreateLumpSums,
  },
};

export default connector;
