import type { LarkClient, LarkRequest } from '../../lark-shared/lark-client.js';

/** How an action asks Lark to spell people and department ids (query parameters). */
export interface IdTypes {
  user_id_type?: string;
  department_id_type?: string;
}

/** What every search action takes beside the vendor's own filters, which go to the body as given. */
export interface SearchInput extends IdTypes {
  page_size?: number;
  page_token?: string;
  all?: boolean;
  [filter: string]: unknown;
}

export interface SearchPage<T> {
  items: T[];
  has_more: boolean;
  page_token?: string;
}

interface LarkPage<T> {
  items?: T[];
  has_more?: boolean;
  page_token?: string;
}

export function idTypeQuery({ user_id_type, department_id_type }: IdTypes): LarkRequest['query'] {
  return { user_id_type, department_id_type };
}

/**
 * A CoreHR search endpoint (POST, filters in the body, `page_size`/`page_token` in the query):
 * one page, or with `all` every page from `page_token` on.
 */
export async function searchPages<T>(client: LarkClient, path: string, input: SearchInput, maxPageSize: number, signal: AbortSignal): Promise<SearchPage<T>> {
  const { page_size, page_token, all, user_id_type, department_id_type, ...filters } = input;
  const pageSize = page_size ?? maxPageSize;
  const request: LarkRequest = { method: 'POST', path, query: { ...idTypeQuery({ user_id_type, department_id_type }), page_token }, body: filters, signal };
  if (all) {
    const items: T[] = [];
    for await (const item of client.paginate<T>(request, 'items', pageSize)) items.push(item);
    return { items, has_more: false };
  }
  const data = await client.call<LarkPage<T>>({ ...request, query: { ...request.query, page_size: pageSize } });
  const hasMore = data.has_more === true && typeof data.page_token === 'string' && data.page_token !== '';
  return { items: data.items ?? [], has_more: hasMore, ...(hasMore ? { page_token: data.page_token } : {}) };
}
