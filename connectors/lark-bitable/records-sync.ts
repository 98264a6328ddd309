import type { ActionContext } from '../../src/connector-kit/connector.js';
import type { SyncDestination, SyncOperation, SyncWriteItem, SyncWriteResult } from '../../src/connector-kit/sync-destination.js';
import { VendorError } from '../../src/errors/index.js';
import type { TableRef, UserIdType } from './bitable-api.js';
import { batchCreateRecords, batchDeleteRecords, batchUpdateRecords } from './records-batch.js';

interface RecordsTarget extends TableRef {
  user_id_type?: UserIdType;
  ignore_consistency_check?: boolean;
}

/**
 * A table's records as a sync destination. Batches go through the batch actions, so they share
 * their client_token and one-writer-per-table rules. Lark applies a batch whole or not at all:
 * a refusal (a cell of the wrong type, an unknown field) fails every record of the batch with
 * Lark's reason, while an outage or a lost permission throws and stops the sync.
 */
export const recordsDestination: SyncDestination = {
  async write(operation: SyncOperation, target: Record<string, unknown>, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]> {
    const table = target as unknown as RecordsTarget;
    try {
      if (operation === 'create') {
        const { records } = await batchCreateRecords({ ...table, records: items.map((item) => ({ fields: item.fields ?? {} })) }, context);
        return items.map((item, i) => resultOf(item, records[i]?.record_id));
      }
      if (operation === 'update') {
        const { records } = await batchUpdateRecords({ ...table, records: items.map((item) => ({ record_id: item.id!, fields: item.fields ?? {} })) }, context);
        return items.map((item, i) => resultOf(item, records[i]?.record_id));
      }
      // A record already gone counts as deleted: the sync wanted it gone.
      await batchDeleteRecords({ app_token: table.app_token, table_id: table.table_id, records: items.map((item) => item.id!) }, context);
      return items.map((item) => ({ key: item.key, id: item.id! }));
    } catch (err) {
      if (err instanceof VendorError && (err.category === 'client' || err.category === 'validation') && !isPermissionProblem(err)) {
        return items.map((item) => ({ key: item.key, error: { code: err.code, message: err.message } }));
      }
      throw err;
    }
  },
};

function resultOf(item: SyncWriteItem, id: string | undefined): SyncWriteResult {
  return id === undefined ? { key: item.key, error: { code: 'vendor.no_record', message: 'Lark answered without a record for this entry' } } : { key: item.key, id };
}

/** Refusals about the app or table rather than the records (no permission, no such table): every batch would fail alike. */
function isPermissionProblem(err: VendorError): boolean {
  return [1254302, 1254040, 1254041, 99991663, 99991664, 99991671, 99991672].includes(Number(err.vendorCode));
}
