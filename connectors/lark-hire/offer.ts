import type { ActionContext } from '../../src/connector-kit/connector.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { requireAnswerObject } from '../lark-shared/lark-answer.js';

export interface OfferGetInput {
  offer_id: string;
  user_id_type?: 'open_id' | 'union_id' | 'user_id' | 'people_admin_id';
  department_id_type?: 'open_department_id' | 'department_id';
  job_level_id_type?: 'people_admin_job_level_id' | 'job_level_id';
  job_family_id_type?: 'people_admin_job_category_id' | 'job_family_id';
  employee_type_id_type?: 'people_admin_employee_type_id' | 'employee_type_enum_id';
}

/** GET /open-apis/hire/v1/offers/:offer_id */
export async function getOffer(input: OfferGetInput, context: ActionContext): Promise<{ offer: Record<string, unknown> }> {
  const path = `/open-apis/hire/v1/offers/${encodeURIComponent(input.offer_id)}`;
  const data = await larkClient(context).call({
    method: 'GET',
    path,
    query: {
      user_id_type: input.user_id_type ?? 'open_id',
      department_id_type: input.department_id_type,
      job_level_id_type: input.job_level_id_type,
      job_family_id_type: input.job_family_id_type,
      employee_type_id_type: input.employee_type_id_type,
    },
    signal: context.signal,
  });
  return { offer: requireAnswerObject(data, 'offer', `GET ${path}`) };
}
