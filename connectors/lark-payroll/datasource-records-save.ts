import type { ActionContext } from '../../src/connector-kit/connector.js';
import { DEFAULT_LARK_BASE_URL, larkClient, type LarkSettings } from '../lark-shared/lark-connection.js';
import { PAYROLL_TRANSIENT_CODES } from './payroll-errors.js';
import { KeyedSerialQueue } from './serial-queue.js';

/** records per save call, as documented. */
export const MAX_SAVE_RECORDS = 50;

export interface DatasourceRecordsSaveInput {
  source_code: string;
  records: {
    active_status: 1 | 2;
    field_values: { field_code: string; value: string }[];
  }[];
}

/**
 * Lark lets one write at a time into a datasource and rejects a concurrent one. Every save of
 * this process to the same (app, datasource) waits for the previous one to finish.
 */
const datasourceWrites = new KeyedSerialQueue();

/**
 * POST /open-apis/payroll/v1/datasource_records/save. Upserts by employment_id + payroll_period
 * (so saving again is harmless) and succeeds or fails as a whole.
 */
export async function saveDatasourceRecords(input: DatasourceRecordsSaveInput, context: ActionContext): Promise<{ affect_counts: number }> {
  const client = larkClient(context);
  const settings = context.connection?.settings as Partial<LarkSettings> | undefined;
  const key = [settings?.baseUrl ?? DEFAULT_LARK_BASE_URL, settings?.appId, input.source_code].join('\u0000');
  const data = await datasourceWrites.run(
    key,
    () =>
      client.call<{ affect_counts?: string | number }>({
        method: 'POST',
        path: '/open-apis/payroll/v1/datasource_records/save',
        body: { source_code: input.source_code, records: input.records },
        signal: context.signal,
        transientCodes: PAYROLL_TRANSIENT_CODES,
      }),
    context.signal,
  );
  return { affect_counts: Number(data.affect_counts ?? 0) };
}
