import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';

/**
 * Lark's limits (≤ 10 semesters, ≤ 10 reviewees, ≤ 50 stage ids; reviewees or
 * updated_later_than) are in the manifest's input schema, checked before the call.
 */
export interface ReviewDatasQueryInput {
  semester_ids: string[];
  reviewee_user_ids?: string[];
  stage_types?: string[];
  stage_ids?: string[];
  updated_later_than?: number;
  user_id_type?: 'open_id' | 'union_id' | 'user_id';
  page_size?: number;
  page_token?: string;
}

interface ReviewDatasPage {
  datas?: Record<string, unknown>[];
  has_more?: boolean;
  page_token?: string;
}

/**
 * POST /open-apis/performance/v2/review_datas/query: one page. At 20 calls a minute a 429's reset
 * is usually longer than the client sleeps through, so it goes up with retryAfterMs for the engine
 * to wait out; one page per call keeps every page's progress checkpointed meanwhile.
 */
export async function queryReviewDatas(input: ReviewDatasQueryInput, context: ActionContext) {
  const data = await larkClient(context).call<ReviewDatasPage>({
    method: 'POST',
    path: '/open-apis/performance/v2/review_datas/query',
    query: { user_id_type: input.user_id_type ?? 'open_id', page_size: input.page_size, page_token: input.page_token },
    body: {
      semester_ids: input.semester_ids,
      reviewee_user_ids: input.reviewee_user_ids,
      stage_types: input.stage_types,
      stage_ids: input.stage_ids,
      // A string on the wire, as Lark's SDK types it.
      updated_later_than: input.updated_later_than === undefined ? undefined : String(input.updated_later_than),
    },
    signal: context.signal,
  });
  return {
    datas: data.datas ?? [],
    has_more: data.has_more ?? false,
    ...(data.has_more && data.page_token ? { page_token: data.page_token } : {}),
  };
}
