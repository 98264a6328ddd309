import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { idTypeQuery, searchPages, type IdTypes, type SearchInput } from './search-pages.js';

const DEPARTMENTS = '/open-apis/corehr/v2/departments';
const SEARCH_PAGE_SIZE = 100;

interface Department {
  id?: string;
  [field: string]: unknown;
}

interface BatchGetDepartmentsInput extends IdTypes {
  department_id_list?: string[];
  department_name_list?: string[];
  fields?: string[];
}

export async function batchGetDepartments(input: BatchGetDepartmentsInput, context: ActionContext): Promise<{ items: Department[] }> {
  const { user_id_type, department_id_type, ...body } = input;
  const data = await larkClient(context).call<{ items?: Department[] }>({
    method: 'POST',
    path: `${DEPARTMENTS}/batch_get`,
    query: idTypeQuery({ user_id_type, department_id_type }),
    body,
    signal: context.signal,
  });
  return { items: data.items ?? [] };
}

export function searchDepartments(input: SearchInput, context: ActionContext) {
  return searchPages<Department>(larkClient(context), `${DEPARTMENTS}/search`, input, SEARCH_PAGE_SIZE, context.signal);
}
