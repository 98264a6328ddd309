import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';

/** Lark's limits (≤ 10 semesters, ≤ 50 activities) are in the manifest's input schema, checked before the call. */
export interface ActivitiesQueryInput {
  semester_ids?: string[];
  activity_ids?: string[];
}

/** POST /open-apis/performance/v2/activity/query */
export async function queryActivities(input: ActivitiesQueryInput, context: ActionContext): Promise<{ activities: Record<string, unknown>[] }> {
  const data = await larkClient(context).call<{ activities?: Record<string, unknown>[] }>({
    method: 'POST',
    path: '/open-apis/performance/v2/activity/query',
    body: { semester_ids: input.semester_ids, activity_ids: input.activity_ids },
    signal: context.signal,
  });
  return { activities: data.activities ?? [] };
}
