import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { callBitable, tablePath, type BitableRecord, type TableRef, type UserIdType } from './bitable-api.js';

/** Records per batch_create / batch_update call: Lark documents 1,000 (other clients keep to 500, the default of a sync). */
export const MAX_WRITE_BATCH_RECORDS = 1000;
/** Records per batch_delete call, as documented. */
export const MAX_DELETE_BATCH_RECORDS = 500;

interface WriteOptions extends TableRef {
  user_id_type?: UserIdType;
  ignore_consistency_check?: boolean;
}

export interface BatchCreateInput extends WriteOptions {
  records: { fields: Record<string, unknown> }[];
}

export interface BatchUpdateInput extends WriteOptions {
  records: { record_id: string; fields: Record<string, unknown> }[];
}

export interface BatchDeleteInput extends TableRef {
  records: string[];
}

/**
 * POST …/records/batch_create, `client_token` = the step's idempotency key: a retry after a lost
 * answer gets the records the first call created instead of a second copy.
 */
export async function batchCreateRecords(input: BatchCreateInput, context: ActionContext): Promise<{ records: BitableRecord[] }> {
  return writeRecords('batch_create', input, context);
}

/** POST …/records/batch_update (incremental: only the fields given change), with `client_token`. */
export async function batchUpdateRecords(input: BatchUpdateInput, context: ActionContext): Promise<{ records: BitableRecord[] }> {
  return writeRecords('batch_update', input, context);
}

/** The per-table write queue: every run on this connection shares it, in every worker in queue mode. */
const TABLE_WRITES = 'lark-bitable:table-writes';

/**
 * Bitable refuses a write to a table while another is being applied (1254291), so writes to one
 * table go one at a time; different tables are written in parallel.
 */
function oneWriterPerTable<T>(input: TableRef, context: ActionContext, write: () => Promise<T>): Promise<T> {
  const queue = context.resources.serialQueue(TABLE_WRITES);
  return queue.run(tablePath(input), write, context.signal);
}

/** POST …/records/batch_delete. No client_token here: deleting again answers `deleted: false`. */
export async function batchDeleteRecords(input: BatchDeleteInput, context: ActionContext): Promise<{ records: { record_id: string; deleted: boolean }[] }> {
  const data = await oneWriterPerTable(input, context, () =>
    callBitable<{ records?: { record_id: string; deleted: boolean }[] }>(larkClient(context), {
      method: 'POST',
      path: `${tablePath(input)}/records/batch_delete`,
      body: { records: input.records },
      signal: context.signal,
    }),
  );
  return { records: data.records ?? [] };
}

async function writeRecords(
  operation: 'batch_create' | 'batch_update',
  input: BatchCreateInput | BatchUpdateInput,
  context: ActionContext,
): Promise<{ records: BitableRecord[] }> {
  const data = await oneWriterPerTable(input, context, () =>
    callBitable<{ records?: BitableRecord[] }>(larkClient(context), {
      method: 'POST',
      path: `${tablePath(input)}/records/${operation}`,
      query: {
        user_id_type: input.user_id_type,
        ignore_consistency_check: input.ignore_consistency_check,
        client_token: context.idempotencyKey,
      },
      body: { records: input.records },
      signal: context.signal,
    }),
  );
  return { records: data.records ?? [] };
}
