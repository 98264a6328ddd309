import type { ActionContext } from '../../src/connector-kit/connector.js';
import type { SyncDestination, SyncOperation, SyncWriteItem, SyncWriteResult } from '../../src/connector-kit/sync-destination.js';
import { VendorError } from '../../src/errors/index.js';
import { batchCreateLumpSums, type LumpSumBatchCreateInput, type LumpSumRecord } from './lump-sum-batch-create.js';

interface LumpSumsTarget {
  user_id_type?: LumpSumBatchCreateInput['user_id_type'];
}

/** Why a sync may not change or remove a payment it created. */
const PAID_ALREADY = {
  code: 'payroll.lump_sum_created',
  message: 'this lump-sum payment was already created; a sync does not change or remove payments: correct it in Lark Compensation',
};

/**
 * Lump-sum payments (bonuses) as a sync destination, create only. Each record's sync key is its
 * unique_id, Lark's idempotency id for the payment, so a batch resent after a crash, or a record
 * some other run already paid, comes back as the payment that exists (21270202) instead of a
 * second one. Lark answers per record: a record it rejects (an unknown employee, details that do
 * not add up) fails alone with Lark's code and message while the rest are paid. A changed record
 * whose payment exists fails instead of being paid again.
 */
export const lumpSumsDestination: SyncDestination = {
  async write(operation: SyncOperation, target: Record<string, unknown>, items: SyncWriteItem[], context: ActionContext): Promise<SyncWriteResult[]> {
    if (operation !== 'create') return items.map((item) => ({ key: item.key, error: PAID_ALREADY }));
    const { user_id_type } = target as LumpSumsTarget;
    const records = items.map((item) => ({ ...(item.fields as unknown as LumpSumRecord), unique_id: item.key }));
    try {
      const outcome = await batchCreateLumpSums({ ...(user_id_type ? { user_id_type } : {}), records }, context);
      const results: SyncWriteResult[] = new Array(items.length);
      for (const paid of outcome.succeeded) results[paid.index] = { key: paid.unique_id, id: paid.id ?? paid.unique_id };
      for (const refused of outcome.failed) results[refused.index] = { key: refused.unique_id, error: { code: `vendor.${refused.code}`, message: refused.message } };
      return results;
    } catch (err) {
      // A call Lark refuses whole (a malformed request) fails its records with Lark's reason; an outage or a lost permission stops the sync.
      if (err instanceof VendorError && (err.category === 'client' || err.category === 'validation') && !isPermissionProblem(err)) {
        return items.map((item) => ({ key: item.key, error: { code: err.code, message: err.message } }));
      }
      throw err;
    }
  },
};

function isPermissionProblem(err: VendorError): boolean {
  return [99991663, 99991664, 99991671, 99991672].includes(Number(err.vendorCode));
}
