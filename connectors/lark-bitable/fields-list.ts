import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { listPage, tablePath, type ItemPage, type TableRef } from './bitable-api.js';

/** The fields endpoint answers at most this many fields a page. */
export const MAX_FIELDS_PAGE_SIZE = 100;

export interface FieldsListInput extends TableRef {
  view_id?: string;
  text_field_as_array?: boolean;
  page_size?: number;
  page_token?: string;
  all?: boolean;
}

export interface BitableField {
  field_id: string;
  field_name: string;
  type: number;
  [property: string]: unknown;
}

/** GET /open-apis/bitable/v1/apps/:app_token/tables/:table_id/fields */
export async function listFields(input: FieldsListInput, context: ActionContext): Promise<ItemPage<BitableField>> {
  const { app_token, table_id, view_id, text_field_as_array, page_size, page_token, all } = input;
  return listPage<BitableField>(
    larkClient(context),
    { method: 'GET', path: `${tablePath({ app_token, table_id })}/fields`, query: { view_id, text_field_as_array }, signal: context.signal },
    { page_size, page_token, all },
    MAX_FIELDS_PAGE_SIZE,
  );
}
