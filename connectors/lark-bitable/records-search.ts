import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { listPage, tablePath, type BitableRecord, type ItemPage, type TableRef, type UserIdType } from './bitable-api.js';

/** records/search answers at most this many records a page. */
export const MAX_SEARCH_PAGE_SIZE = 500;

type Operator =
  | 'is' | 'isNot' | 'contains' | 'doesNotContain' | 'isEmpty' | 'isNotEmpty'
  | 'isGreater' | 'isGreaterEqual' | 'isLess' | 'isLessEqual';

interface Condition {
  field_name: string;
  operator: Operator;
  value?: string[];
}

interface ConditionGroup {
  conjunction: 'and' | 'or';
  conditions?: Condition[];
}

export interface SearchInput extends TableRef {
  view_id?: string;
  field_names?: string[];
  sort?: { field_name: string; desc?: boolean }[];
  filter?: ConditionGroup & { children?: ConditionGroup[] };
  automatic_fields?: boolean;
  user_id_type?: UserIdType;
  page_size?: number;
  page_token?: string;
  all?: boolean;
}

/** POST /open-apis/bitable/v1/apps/:app_token/tables/:table_id/records/search */
export async function searchRecords(input: SearchInput, context: ActionContext): Promise<ItemPage<BitableRecord>> {
  const { app_token, table_id, user_id_type, page_size, page_token, all, ...body } = input;
  return listPage<BitableRecord>(
    larkClient(context),
    { method: 'POST', path: `${tablePath({ app_token, table_id })}/records/search`, query: { user_id_type }, body, signal: context.signal },
    { page_size, page_token, all },
    MAX_SEARCH_PAGE_SIZE,
  );
}
