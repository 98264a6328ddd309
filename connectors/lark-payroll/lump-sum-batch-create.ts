import type { ActionContext } from '../../src/connector-kit/connector.js';
import { StaffwireError } from '../../src/errors/index.js';
import { larkClient } from '../lark-shared/lark-connection.js';

/** records per batch_create call, as documented. */
export const MAX_LUMP_SUM_RECORDS = 500;
/** operate_results code for a unique_id that already has a payment. */
export const UNIQUE_ID_CONFLICT_CODE = 21270202;

export interface LumpSumRecord {
  unique_id?: string;
  user_id: string;
  total_amount: string;
  currency_id: string;
  item_id: string;
  binding_period: number;
  issuance_frequency: number;
  details: Record<string, unknown>[];
  [property: string]: unknown;
}

export interface LumpSumBatchCreateInput {
  user_id_type?: 'open_id' | 'union_id' | 'user_id' | 'people_corehr_id';
  records: LumpSumRecord[];
}

interface OperateResult {
  id?: string;
  unique_id?: string;
  code?: number;
  message?: string;
}

export interface LumpSumOutcome {
  succeeded: { index: number; unique_id: string; user_id: string; id?: string; alreadyExists: boolean }[];
  failed: { index: number; unique_id: string; user_id: string; code: number; message: string }[];
}

/**
 * POST /open-apis/compensation/v1/lump_sum_payment/batch_create. Lark accepts or rejects each
 * record on its own; the step fails only when the whole call does, and the per-record results come
 * back as succeeded/failed. A record without unique_id gets `<idempotency key>-<index>`, so a
 * retried step meets its earlier payments as unique_id conflicts (reported as succeeded with
 * alreadyExists) instead of paying twice.
 */
export async function batchCreateLumpSums(input: LumpSumBatchCreateInput, context: ActionContext): Promise<LumpSumOutcome> {
  const records = input.records.map((record, index) => ({ ...record, unique_id: record.unique_id ?? `${context.idempotencyKey}-${index}` }));
  const data = await larkClient(context).call<{ operate_results?: OperateResult[] }>({
    method: 'POST',
    path: '/open-apis/compensation/v1/lump_sum_payment/batch_create',
    query: { user_id_type: input.user_id_type ?? 'open_id' },
    body: { records },
    signal: context.signal,
  });
  const results = new Map((data.operate_results ?? []).map((result) => [result.unique_id, result]));
  const outcome: LumpSumOutcome = { succeeded: [], failed: [] };
  for (const [index, { unique_id, user_id }] of records.entries()) {
    const result = results.get(unique_id);
    if (!result) {
      // Without a result this record's outcome is unknown; retrying is safe thanks to unique_id.
      throw new StaffwireError(`Lark returned no result for lump sum record ${index} (unique_id ${unique_id})`, {
        code: 'lark.lump_sum_result_missing',
        category: 'server',
      });
    }
    const code = result.code ?? 0;
    if (code === 0 || code === UNIQUE_ID_CONFLICT_CODE) {
      outcome.succeeded.push({ index, unique_id, user_id, ...(result.id ? { id: result.id } : {}), alreadyExists: code !== 0 });
    } else {
      outcome.failed.push({ index, unique_id, user_id, code, message: result.message ?? '' });
    }
  }
  return outcome;
}
