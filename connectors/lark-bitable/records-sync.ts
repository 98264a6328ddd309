import { createHash } from 'node:crypto';
import type { ActionContext } from '../../src/connector-kit/connector.js';
import type { SyncDestination, SyncOperation, SyncWriteItem, SyncWriteResult } from '../../src/connector-kit/sync-destination.js';
import { VendorError } from '../../src/errors/index.js';
import type { TableRef, UserIdType } from './bitable-api.js';
import { batchCreateRecords, batchDeleteRecords, batchUpdateRecords } from './records-batch.js';
import { searchRecords } from './records-search.js';

interface RecordsTarget extends TableRef {
  user_id_type?: UserIdType;
  ignore_consistency_check?: boolean;
  match_field?: string;
}

/** records/search takes at most 50 conditions, each `is` naming one value. */
const MATCH_VALUES_PER_SEARCH = 50;

/**
 * A table's records as a sync destination. Batches go through the batch actions, so they share
 * their client_token and one-writer-per-table rules. Lark applies a batch whole or not at all:
 * a refusal (a cell of the wrong type, an unknown field) fails every record of the batch with
 * Lark's reason, while an outage or a lost permission throws and stops the sync.
 */
export const recordsDestination: SyncDestination = {
  async write(operation: SyncOperation, target: Record<string, unknown>, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]> {
    const { match_field: matchField, ...table } = target as unknown as RecordsTarget;
    try {
      if (operation === 'create') return matchField === undefined ? await create(table, items, context) : await createOrAdopt(table, matchField, items, context);
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

async function create(table: RecordsTarget, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]> {
  const { records } = await batchCreateRecords({ ...table, records: items.map((item) => ({ fields: item.fields ?? {} })) }, context);
  return items.map((item, i) => resultOf(item, records[i]?.record_id));
}

/**
 * Creates with `match_field`: a record whose match field holds the same value as one already in
 * the table updates that row instead, so two syncs can fill different columns of the same rows
 * (each keeping its own key map), a first sync adopts rows typed in by hand, and a create resent
 * after a crash finds the rows it made instead of making them again.
 */
async function createOrAdopt(table: RecordsTarget, matchField: string, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]> {
  const existing = await recordsByValue(table, matchField, items.map((item) => matchValue(item, matchField)).filter((v) => v !== undefined), context);
  const adopted = items.filter((item) => existing.has(matchValue(item, matchField) ?? ''));
  const fresh = items.filter((item) => !existing.has(matchValue(item, matchField) ?? ''));
  const results = new Map<SyncWriteItem, SyncWriteResult>();
  if (adopted.length > 0) {
    const records = adopted.map((item) => ({ record_id: existing.get(matchValue(item, matchField)!)!, fields: item.fields ?? {} }));
    // A resent batch may adopt more rows than the first attempt did (the ones that attempt created), so the
    // update's token follows what it writes: a different update is not a conflict, and writing the same cells again is harmless.
    const updated = await batchUpdateRecords({ ...table, records }, { ...context, idempotencyKey: derivedKey(context.idempotencyKey, JSON.stringify(records)) });
    adopted.forEach((item, i) => results.set(item, resultOf(item, updated.records[i]?.record_id)));
  }
  if (fresh.length > 0) (await create(table, fresh, context)).forEach((result, i) => results.set(fresh[i]!, result));
  return items.map((item) => results.get(item)!);
}

function matchValue(item: SyncWriteItem, matchField: string): string | undefined {
  const value = item.fields?.[matchField];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The first record holding each of `values` in `field`, by value. */
async function recordsByValue(table: RecordsTarget, field: string, values: string[], context: ActionContext): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const wanted = [...new Set(values)];
  for (let i = 0; i < wanted.length; i += MATCH_VALUES_PER_SEARCH) {
    const conditions = wanted.slice(i, i + MATCH_VALUES_PER_SEARCH).map((value) => ({ field_name: field, operator: 'is' as const, value: [value] }));
    const { items } = await searchRecords(
      { app_token: table.app_token, table_id: table.table_id, field_names: [field], filter: { conjunction: 'or', conditions }, all: true },
      context,
    );
    for (const record of items) {
      const value = record.fields[field];
      const text = Array.isArray(value) ? value.map((v) => (typeof v === 'object' && v !== null ? (v as { text?: unknown }).text : v)).join('') : String(value);
      if (!found.has(text)) found.set(text, record.record_id);
    }
  }
  return found;
}

/** A UUID v4-shaped key derived from the batch's key and what a call of the batch sends. */
function derivedKey(key: string, content: string): string {
  const hex = createHash('sha256').update(`${key}\u0000${content}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function resultOf(item: SyncWriteItem, id: string | undefined): SyncWriteResult {
  return id === undefined ? { key: item.key, error: { code: 'vendor.no_record', message: 'Lark answered without a record for this entry' } } : { key: item.key, id };
}

/** Refusals about the app or table rather than the records (no permission, no such table): every batch would fail alike. */
function isPermissionProblem(err: VendorError): boolean {
  return [1254302, 1254040, 1254041, 99991663, 99991664, 99991671, 99991672].includes(Number(err.vendorCode));
}
