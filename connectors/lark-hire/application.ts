import type { ActionContext } from '../../src/connector-kit/connector.js';
import { VendorError } from '../../src/errors/index.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { requireAnswerObject } from '../lark-shared/lark-answer.js';

type UserIdType = 'open_id' | 'union_id' | 'user_id';

export interface ApplicationGetInput {
  application_id: string;
  user_id_type?: UserIdType;
}

/** GET /open-apis/hire/v1/applications/:application_id */
export async function getApplication(input: ApplicationGetInput, context: ActionContext): Promise<{ application: Record<string, unknown> }> {
  const path = `/open-apis/hire/v1/applications/${encodeURIComponent(input.application_id)}`;
  const data = await larkClient(context).call({
    method: 'GET',
    path,
    query: { user_id_type: input.user_id_type ?? 'open_id' },
    signal: context.signal,
  });
  return { application: requireAnswerObject(data, 'application', `GET ${path}`) };
}

export interface TransferOnboardInput {
  application_id: string;
  actual_onboard_time?: number;
  expected_conversion_time?: number;
  job_requirement_id?: string;
  operator_id?: string;
  onboard_city_code?: string;
  department?: string;
  leader?: string;
  sequence?: string;
  level?: string;
  employee_type?: string;
  user_id_type?: UserIdType;
  department_id_type?: 'open_department_id' | 'department_id' | 'people_admin_department_id';
  job_level_id_type?: 'people_admin_job_level_id' | 'job_level_id';
  job_family_id_type?: 'people_admin_job_category_id' | 'job_family_id';
  employee_type_id_type?: 'people_admin_employee_type_id' | 'employee_type_enum_id';
}

/**
 * The Feishu id types transfer_onboard is sent with when the input names none: its `*_id_type`
 * params default to the People Admin types at Lark, so ids taken from offer.get (open ids, open
 * department ids) would be misread without them.
 */
export const FEISHU_ID_TYPES = {
  user_id_type: 'open_id',
  department_id_type: 'open_department_id',
  job_level_id_type: 'job_level_id',
  job_family_id_type: 'job_family_id',
  employee_type_id_type: 'employee_type_enum_id',
} as const;

export interface TransferOnboardOutput {
  employee: Record<string, unknown>;
  alreadyTransferred: boolean;
}

/**
 * POST /open-apis/hire/v1/applications/:application_id/transfer_onboard, with every id type given
 * (FEISHU_ID_TYPES unless the input says otherwise).
 *
 * Lark offers no idempotency key here and documents no dedicated "already onboarded" code (only
 * 1002001 system error and 1002002 parameter error), so a refusal cannot be read by its code. A
 * refused call is instead checked against the application's employee record: if one exists, the
 * transfer happened (a re-attempt after a crash between Lark's answer and the checkpoint) and
 * that record is the result.
 */
export async function transferApplicationToOnboard(input: TransferOnboardInput, context: ActionContext): Promise<TransferOnboardOutput> {
  const { application_id, user_id_type, department_id_type, job_level_id_type, job_family_id_type, employee_type_id_type, ...body } = input;
  const client = larkClient(context);
  // Lark reads every id of this call as a People Admin id unless told otherwise: each type is sent.
  const idTypes = {
    user_id_type: user_id_type ?? FEISHU_ID_TYPES.user_id_type,
    department_id_type: department_id_type ?? FEISHU_ID_TYPES.department_id_type,
    job_level_id_type: job_level_id_type ?? FEISHU_ID_TYPES.job_level_id_type,
    job_family_id_type: job_family_id_type ?? FEISHU_ID_TYPES.job_family_id_type,
    employee_type_id_type: employee_type_id_type ?? FEISHU_ID_TYPES.employee_type_id_type,
  };
  const path = `/open-apis/hire/v1/applications/${encodeURIComponent(application_id)}/transfer_onboard`;
  try {
    const data = await client.call({ method: 'POST', path, query: idTypes, body, signal: context.signal });
    return { employee: requireAnswerObject(data, 'employee', `POST ${path}`), alreadyTransferred: false };
  } catch (err) {
    if (!(err instanceof VendorError) || err.category !== 'client') throw err;
    const existing = await employeeOfApplication(application_id, idTypes, context);
    if (!existing) throw err;
    context.log.info({ applicationId: application_id, vendorCode: err.vendorCode }, 'transfer_onboard refused, but the application already has an employee record');
    return { employee: existing, alreadyTransferred: true };
  }
}

/** GET /open-apis/hire/v1/employees/get_by_application; undefined when Lark has no record for it. */
async function employeeOfApplication(
  applicationId: string,
  idTypes: Record<string, string | undefined>,
  context: ActionContext,
): Promise<Record<string, unknown> | undefined> {
  try {
    const data = await larkClient(context).call({
      method: 'GET',
      path: '/open-apis/hire/v1/employees/get_by_application',
      query: { application_id: applicationId, ...idTypes },
      signal: context.signal,
    });
    const employee = data.employee as { id?: unknown; application_id?: unknown } | null | undefined;
    const belongs = employee?.application_id === undefined || employee.application_id === applicationId;
    return typeof employee?.id === 'string' && belongs ? (employee as Record<string, unknown>) : undefined;
  } catch (err) {
    if (err instanceof VendorError && err.category === 'client') return undefined;
    throw err;
  }
}
