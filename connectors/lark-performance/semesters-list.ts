import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';

export interface SemestersListInput {
  year?: number;
  type?: string;
}

/** GET /open-apis/performance/v1/semesters: the review cycles, by year and type when given. */
export async function listSemesters(input: SemestersListInput, context: ActionContext): Promise<{ items: Record<string, unknown>[] }> {
  const data = await larkClient(context).call<{ items?: Record<string, unknown>[] }>({
    method: 'GET',
    path: '/open-apis/performance/v1/semesters',
    query: { year: input.year, type: input.type },
    signal: context.signal,
  });
  return { items: data.items ?? [] };
}
