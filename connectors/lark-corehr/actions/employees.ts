import type { ActionContext } from '../../../src/connector-kit/connector.js';
import { larkClient } from '../../lark-shared/lark-connection.js';
import { idTypeQuery, searchPages, type IdTypes, type SearchInput } from './search-pages.js';

const EMPLOYEES = '/open-apis/corehr/v2/employees';
const SEARCH_PAGE_SIZE = 100;

interface Employee {
  employment_id?: string;
  [field: string]: unknown;
}

interface BatchGetEmployeesInput extends IdTypes {
  employment_ids?: string[];
  person_ids?: string[];
  work_emails?: string[];
  fields?: string[];
}

export function searchEmployees(input: SearchInput, context: ActionContext) {
  return searchPages<Employee>(larkClient(context), `${EMPLOYEES}/search`, input, SEARCH_PAGE_SIZE, context.signal);
}

export async function batchGetEmployees(input: BatchGetEmployeesInput, context: ActionContext): Promise<{ items: Employee[] }> {
  const { user_id_type, department_id_type, ...body } = input;
  const data = await larkClient(context).call<{ items?: Employee[] }>({
    method: 'POST',
    path: `${EMPLOYEES}/batch_get`,
    query: idTypeQuery({ user_id_type, department_id_type }),
    body,
    signal: context.signal,
  });
  return { items: data.items ?? [] };
}
