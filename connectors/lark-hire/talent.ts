import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { requireAnswerObject } from '../lark-shared/lark-answer.js';

export interface TalentGetInput {
  talent_id: string;
  user_id_type?: 'open_id' | 'union_id' | 'user_id';
}

/**
 * GET /open-apis/hire/v1/talents/:talent_id: the candidate behind an application (application.get
 * gives talent_id), with the name, e-mail and mobile a pre-hire needs.
 */
export async function getTalent(input: TalentGetInput, context: ActionContext): Promise<{ talent: Record<string, unknown> }> {
  const path = `/open-apis/hire/v1/talents/${encodeURIComponent(input.talent_id)}`;
  const data = await larkClient(context).call({
    method: 'GET',
    path,
    query: { user_id_type: input.user_id_type ?? 'open_id' },
    signal: context.signal,
  });
  return { talent: requireAnswerObject(data, 'talent', `GET ${path}`) };
}
