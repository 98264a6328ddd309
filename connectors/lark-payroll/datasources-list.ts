import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';

/** GET /open-apis/payroll/v1/datasources requires page_size, 1 to 100. */
export const MAX_DATASOURCES_PAGE_SIZE = 100;

export interface DatasourcesListInput {
  page_size?: number;
  page_token?: string;
  all?: boolean;
}

export interface Datasource {
  code: string;
  active_status: number;
  fields: { code: string; field_type: number; active_status: number; [property: string]: unknown }[];
  [property: string]: unknown;
}

interface DatasourcesPage {
  datasources?: Datasource[];
  has_more?: boolean;
  page_token?: string;
}

/** The external payroll data sources (Feishu People → Payroll → external data source settings). */
export async function listDatasources(input: DatasourcesListInput, context: ActionContext) {
  const client = larkClient(context);
  const pageSize = input.page_size ?? MAX_DATASOURCES_PAGE_SIZE;
  const request = { method: 'GET' as const, path: '/open-apis/payroll/v1/datasources', query: { page_token: input.page_token }, signal: context.signal };
  if (input.all) {
    const items: Datasource[] = [];
    for await (const datasource of client.paginate<Datasource>(request, 'datasources', pageSize)) items.push(datasource);
    return { items, has_more: false };
  }
  const data = await client.call<DatasourcesPage>({ ...request, query: { ...request.query, page_size: pageSize } });
  return {
    items: data.datasources ?? [],
    has_more: data.has_more ?? false,
    ...(data.has_more && data.page_token ? { page_token: data.page_token } : {}),
  };
}
