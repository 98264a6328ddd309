import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { PAYROLL_TRANSIENT_CODES } from './payroll-errors.js';

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
 * this process through the same connection to the same datasource waits for the previous one to
 * finish: the queue is one of the connection's resources, keyed by datasource.
 */
const DATASOURCE_WRITES = 'lark-payroll:datasource-writes';

/**
 * POST /open-apis/payroll/v1/datasource_records/save. Upserts by employment_id + payroll_period
 * (so saving again is harmless) and succeeds or fails as a whole.
 */
export async function saveDatasourceRecords(input: DatasourceRecordsSaveInput, context: ActionContext): Promise<{ affect_counts: number }> {
  const client = larkClient(context);
  const datasourceWrites = context.resources.serialQueue(DATASOURCE_WRITES);
  const data = await datasourceWrites.run(
    input.source_code,
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
