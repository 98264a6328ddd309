import type { LarkClient, LarkRequest } from '../lark-shared/lark-client.js';

/** Where a table lives: every record and field endpoint hangs under it. */
export interface TableRef {
  app_token: string;
  table_id: string;
}

export type UserIdType = 'open_id' | 'union_id' | 'user_id';

/** A record as Bitable returns it; cell values vary by field type. */
export interface BitableRecord {
  record_id: string;
  fields: Record<string, unknown>;
  [property: string]: unknown;
}

/** One page of a list or search, in the shape every Staffwire list action returns. */
export interface ItemPage<T> {
  items: T[];
  has_more: boolean;
  page_token?: string;
  total?: number;
}

export function tablePath({ app_token, table_id }: TableRef): string {
  return `/open-apis/bitable/v1/apps/${encodeURIComponent(app_token)}/tables/${encodeURIComponent(table_id)}`;
}

/**
 * Bitable reports some transient conditions with its own codes, often on HTTP 200: too many
 * requests (1254290), a write conflict on the table (1254291: another write was still being
 * applied) and "data not ready" (1254607). Lark's advice for all three is to wait about a second
 * and try again, so the client retries them instead of failing as a client error.
 */
export const BITABLE_TRANSIENT_CODES: ReadonlyMap<number, 'rate_limit' | 'server'> = new Map([
  [1254290, 'rate_limit'],
  [1254291, 'rate_limit'],
  [1254607, 'server'],
]);

export function callBitable<T>(client: LarkClient, request: LarkRequest): Promise<T> {
  return client.call<T>({ ...request, transientCodes: BITABLE_TRANSIENT_CODES });
}

/**
 * One page (`page_token`/`page_size` as given), or with `all` every page from `page_token` on,
 * returned together with `has_more: false`.
 */
export async function listPage<T>(
  client: LarkClient,
  request: LarkRequest,
  paging: { page_size?: number; page_token?: string; all?: boolean },
  allPageSize: number,
): Promise<ItemPage<T>> {
  const query = { ...request.query, page_token: paging.page_token };
  const bitableRequest = { ...request, transientCodes: BITABLE_TRANSIENT_CODES };
  if (paging.all) {
    const items: T[] = [];
    for await (const item of client.paginate<T>({ ...bitableRequest, query }, 'items', paging.page_size ?? allPageSize)) items.push(item);
    return { items, has_more: false };
  }
  const data = await client.call<Partial<ItemPage<T>>>({ ...bitableRequest, query: { ...query, page_size: paging.page_size } });
  return {
    items: data.items ?? [],
    has_more: data.has_more ?? false,
    ...(data.has_more && data.page_token ? { page_token: data.page_token } : {}),
    ...(typeof data.total === 'number' ? { total: data.total } : {}),
  };
}
