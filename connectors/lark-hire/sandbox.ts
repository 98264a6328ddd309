import type { FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../src/errors/index.js';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import type { SeededOffer } from '../../src/sandbox/seed-company.js';
import {
  larkError,
  larkOk,
  larkRateLimit,
  requireTenantToken,
  type LarkDepartmentIdType,
  larkDepartmentId,
  larkIdTypes,
  type LarkUserIdType,
  FIELD_VALIDATION_FAILED,
} from '../lark-shared/lark-sandbox.js';
import larkPlatform from '../lark-shared/sandbox.js';

/**
 * A stateful fake of Lark Hire for the seeded company's offers: every offer has its application
 * and the application its talent (the candidate), read as Lark shapes them; transfer_onboard moves
 * a pre-hire application to onboarded (once), reading ids as People Admin ids where the request
 * names no id type, as Lark does; and the offer status event is built as Lark delivers it.
 */

/** Lark's job-process stage types used here: 5 offer, 6 to be onboarded (pre-hire), 7 onboarded. */
const HIRE_STAGES = {
  offer: { id: 'sandbox-stage-offer', zh_name: 'Offer', en_name: 'Offer', type: 5 },
  preHire: { id: 'sandbox-stage-pre-hire', zh_name: '待入职', en_name: 'To be onboarded', type: 6 },
  onboarded: { id: 'sandbox-stage-onboarded', zh_name: '已入职', en_name: 'Onboarded', type: 7 },
} as const;

const OFFER_ACCEPTED = 7;
/** Lark's offer statuses, as the manifest documents them. */
const OFFER_STATUS_NAMES: Record<number, string> = {
  2: 'in approval',
  3: 'approval withdrawn',
  4: 'approved',
  5: 'approval rejected',
  6: 'sent',
  7: 'accepted',
  8: 'declined',
  9: 'expired',
};
/** Hire documents only 1002001 (system error) and 1002002 (parameter error) for these APIs; refusals use the latter. */
const HIRE_PARAM_ERROR = 1002002;
/** Per API, app and tenant. Not confirmed on the hire pages: Lark's common tier. */
export const HIRE_LIMIT_PER_SECOND = 50;
export const HIRE_LIMIT_PER_MINUTE = 1000;

type UserIdType = LarkUserIdType;
type DepartmentIdType = LarkDepartmentIdType;

interface HireApplication {
  id: string;
  offerId: string;
  stage: keyof typeof HIRE_STAGES;
  createTime: string;
  modifyTime: string;
}

interface HireState {
  /** Offer status by offer id; the rest of an offer is the seed's. */
  offerStatus: Record<string, number>;
  applications: Record<string, HireApplication>;
  /** Employee records made by transfer_onboard, by application id, as Lark answered them. */
  employees: Record<string, Record<string, unknown>>;
}

function hireState(context: SandboxContext): HireState {
  return context.state('lark-hire', () => {
    const created = String(context.now());
    const state: HireState = { offerStatus: {}, applications: {}, employees: {} };
    for (const offer of context.company.offers) {
      state.offerStatus[offer.offerId] = offer.offerStatus;
      state.applications[offer.applicationId] = {
        id: offer.applicationId,
        offerId: offer.offerId,
        stage: offer.offerStatus === OFFER_ACCEPTED ? 'preHire' : 'offer',
        createTime: created,
        modifyTime: created,
      };
    }
    return state;
  });
}

interface IdTypes {
  user: UserIdType;
  department: DepartmentIdType;
}


function userIdOf(context: SandboxContext, employmentId: string, type: UserIdType): string | undefined {
  const employee = context.company.employees.find((e) => e.employmentId === employmentId);
  if (!employee) return undefined;
  return type === 'user_id' ? employee.userId : type === 'union_id' ? employee.unionId : employee.openId;
}


function employeeByUserId(context: SandboxContext, id: string, type: UserIdType) {
  const key = type === 'user_id' ? 'userId' : type === 'union_id' ? 'unionId' : 'openId';
  return context.company.employees.find((e) => e[key] === id);
}

function offerBody(context: SandboxContext, offer: SeededOffer, types: IdTypes): Record<string, unknown> {
  return {
    id: offer.offerId,
    application_id: offer.applicationId,
    offer_status: hireState(context).offerStatus[offer.offerId] ?? offer.offerStatus,
    offer_type: 1,
    basic_info: {
      onboard_date: offer.onboardDate,
      department_id: larkDepartmentId(offer.departmentId, types.department),
      leader_user_id: userIdOf(context, offer.leaderEmploymentId, types.user),
      employee_type: { id: '1', zh_name: '正式', en_name: 'Regular' },
    },
    salary_plan: { currency: offer.salary.currency, basic_salary: String(offer.salary.basic) },
    job_info: { job_id: offer.jobId, job_name: offer.jobName },
  };
}

/** Every offer's candidate is one talent, whose id follows from the offer. */
function talentIdOf(offerId: string): string {
  return `sandbox-talent-${offerId}`;
}

const TALENT_ID_PREFIX = 'sandbox-talent-';

/** Calling codes of the seeded company's mobiles, longest first where one is a prefix of another. */
const CALLING_CODES: [code: string, region: string][] = [
  ['86', 'CN'],
  ['65', 'SG'],
  ['64', 'NZ'],
  ['44', 'GB'],
  ['1', 'US'],
];

/**
 * An E.164 number as Lark's talent basic_info splits it: the national number, the calling code
 * and the region. A number outside the seeded regions keeps its digits whole, without a code.
 */
export function talentMobile(e164: string): { mobile: string; mobile_code?: string; mobile_country_code?: string } {
  const digits = e164.replace(/^\+/, '');
  const match = e164.startsWith('+') ? CALLING_CODES.find(([code]) => digits.startsWith(code)) : undefined;
  if (!match) return { mobile: digits };
  const [code, region] = match;
  return { mobile: digits.slice(code.length), mobile_code: code, mobile_country_code: region };
}

function talentBody(context: SandboxContext, offer: SeededOffer): Record<string, unknown> {
  const application = hireState(context).applications[offer.applicationId];
  return {
    id: talentIdOf(offer.offerId),
    is_onboarded: application?.stage === 'onboarded',
    is_in_agency_period: false,
    basic_info: { name: offer.candidateName, email: offer.candidateEmail, ...talentMobile(offer.candidateMobile) },
  };
}

function applicationBody(context: SandboxContext, application: HireApplication): Record<string, unknown> {
  const offer = context.company.offers.find((o) => o.offerId === application.offerId);
  return {
    id: application.id,
    job_id: offer?.jobId,
    talent_id: talentIdOf(application.offerId),
    stage: HIRE_STAGES[application.stage],
    active_status: 1,
    create_time: application.createTime,
    modify_time: application.modifyTime,
  };
}

/** Token, then the per-API limits, in the order Lark's gateway applies them. */
function admitted(context: SandboxContext, request: FastifyRequest, reply: FastifyReply, api: string): boolean {
  return (
    requireTenantToken(context, request, reply) &&
    larkRateLimit(context, reply, `hire.${api}`, HIRE_LIMIT_PER_SECOND, 1000) &&
    larkRateLimit(context, reply, `hire.${api}.per-minute`, HIRE_LIMIT_PER_MINUTE, 60_000)
  );
}

interface TransferBody {
  actual_onboard_time?: number;
  operator_id?: string;
  department?: string;
  leader?: string;
  level?: string;
  sequence?: string;
  employee_type?: string;
}

/**
 * transfer_onboard's id types. Lark's defaults are the People Admin types, for every one of them:
 * a request that names none has its open ids and open department ids read as People Admin ids.
 */
const TRANSFER_ID_TYPES = {
  user_id_type: { default: 'people_admin_id', allowed: ['open_id', 'union_id', 'user_id', 'people_admin_id'] },
  department_id_type: { default: 'people_admin_department_id', allowed: ['open_department_id', 'department_id', 'people_admin_department_id'] },
  job_level_id_type: { default: 'people_admin_job_level_id', allowed: ['people_admin_job_level_id', 'job_level_id'] },
  job_family_id_type: { default: 'people_admin_job_category_id', allowed: ['people_admin_job_category_id', 'job_family_id'] },
  employee_type_id_type: { default: 'people_admin_employee_type_id', allowed: ['people_admin_employee_type_id', 'employee_type_enum_id'] },
} as const;

type TransferIdTypes = { [Param in keyof typeof TRANSFER_ID_TYPES]: (typeof TRANSFER_ID_TYPES)[Param]['allowed'][number] };

/** Which body field is read in which id type. */
const TRANSFER_ID_FIELDS: [field: keyof TransferBody, param: keyof TransferIdTypes][] = [
  ['leader', 'user_id_type'],
  ['operator_id', 'user_id_type'],
  ['department', 'department_id_type'],
  ['level', 'job_level_id_type'],
  ['sequence', 'job_family_id_type'],
  ['employee_type', 'employee_type_id_type'],
];

/** The request's id types, absent ones at Lark's defaults, and which were absent; undefined after answering Lark's validation error. */
function transferIdTypes(request: FastifyRequest, reply: FastifyReply): { types: TransferIdTypes; defaulted: Set<string> } | undefined {
  const query = request.query as Record<string, string | undefined>;
  const types: Record<string, string> = {};
  const defaulted = new Set<string>();
  for (const [param, { default: fallback, allowed }] of Object.entries(TRANSFER_ID_TYPES)) {
    const value = query[param] ?? fallback;
    if (query[param] === undefined) defaulted.add(param);
    if (!(allowed as readonly string[]).includes(value)) {
      void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${param} must be one of ${allowed.join(', ')}, not ${value}`);
      return undefined;
    }
    types[param] = value;
  }
  return { types: types as TransferIdTypes, defaulted };
}

/**
 * Why Lark would refuse the ids of a transfer body, or undefined. The fake keeps no People Admin
 * ids, so an id read as one is never found, as an open id sent without user_id_type is not found
 * at Lark; an id read in a Feishu type must name a seeded user or department (job levels,
 * families and employee types are not modelled and pass).
 */
function refusedTransferId(context: SandboxContext, body: TransferBody, { types, defaulted }: { types: TransferIdTypes; defaulted: Set<string> }): string | undefined {
  for (const [field, param] of TRANSFER_ID_FIELDS) {
    const id = body[field];
    if (id === undefined) continue;
    if (typeof id !== 'string') return `${field} must be a string`;
    const type = types[param];
    if (type.startsWith('people_admin_')) {
      const why = defaulted.has(param) ? `${param} was not given, so it is read as ${type}` : `it is read as ${type}`;
      return `${field} ${id} does not exist: ${why}`;
    }
    if (param === 'user_id_type' && !employeeByUserId(context, id, type as UserIdType)) return `${field} ${id} is no user (${param} ${type})`;
    if (param === 'department_id_type' && !context.company.departments.some((d) => larkDepartmentId(d.id, type as DepartmentIdType) === id)) {
      return `${field} ${id} is no department (${param} ${type})`;
    }
  }
  return undefined;
}

const sandbox: SandboxModule = {
  state: hireState,

  seed(context) {
    const state = hireState(context);
    const offers = context.company.offers;
    return [
      {
        name: 'offers',
        title: 'Lark Hire offers, their applications and talents (offer.get → application.get → talent.get; an accepted offer, status 7, is ready for application.transfer_onboard)',
        columns: ['offer_id', 'offer_status', 'status', 'application_id', 'application_stage', 'candidate_name', 'job_name'],
        size: offers.length,
        item(index) {
          const offer = offers[index]!;
          const status = state.offerStatus[offer.offerId] ?? offer.offerStatus;
          const stage = state.applications[offer.applicationId]?.stage;
          return {
            offer_id: offer.offerId,
            offer_status: status,
            status: OFFER_STATUS_NAMES[status] ?? 'unknown',
            application_id: offer.applicationId,
            application_stage: stage === undefined ? undefined : HIRE_STAGES[stage].en_name,
            talent_id: talentIdOf(offer.offerId),
            candidate_name: offer.candidateName,
            candidate_email: offer.candidateEmail,
            candidate_mobile: offer.candidateMobile,
            department_id: offer.departmentId,
            leader_employment_id: offer.leaderEmploymentId,
            job_id: offer.jobId,
            job_name: offer.jobName,
            onboard_date: offer.onboardDate,
          };
        },
      },
    ];
  },

  register(app, context) {
    app.get<{ Params: { offer_id: string } }>('/open-apis/hire/v1/offers/:offer_id', async (request, reply) => {
      if (!admitted(context, request, reply, 'offer.get')) return reply;
      const types = larkIdTypes(request, reply);
      if (!types) return reply;
      const offer = context.company.offers.find((o) => o.offerId === request.params.offer_id);
      if (!offer) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: offer ${request.params.offer_id} does not exist`);
      return larkOk(reply, { offer: offerBody(context, offer, types) });
    });

    app.get<{ Params: { application_id: string } }>('/open-apis/hire/v1/applications/:application_id', async (request, reply) => {
      if (!admitted(context, request, reply, 'application.get')) return reply;
      if (!larkIdTypes(request, reply)) return reply;
      const application = hireState(context).applications[request.params.application_id];
      if (!application) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: application ${request.params.application_id} does not exist`);
      return larkOk(reply, { application: applicationBody(context, application) });
    });

    app.get<{ Params: { talent_id: string } }>('/open-apis/hire/v1/talents/:talent_id', async (request, reply) => {
      if (!admitted(context, request, reply, 'talent.get')) return reply;
      if (!larkIdTypes(request, reply)) return reply;
      const { talent_id: talentId } = request.params;
      const offer = talentId.startsWith(TALENT_ID_PREFIX) ? context.company.offers.find((o) => o.offerId === talentId.slice(TALENT_ID_PREFIX.length)) : undefined;
      if (!offer) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: talent ${talentId} does not exist`);
      return larkOk(reply, { talent: talentBody(context, offer) });
    });

    app.post<{ Params: { application_id: string } }>('/open-apis/hire/v1/applications/:application_id/transfer_onboard', async (request, reply) => {
      if (!admitted(context, request, reply, 'application.transfer_onboard')) return reply;
      const idTypes = transferIdTypes(request, reply);
      if (!idTypes) return reply;
      const state = hireState(context);
      const application = state.applications[request.params.application_id];
      if (!application) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: application ${request.params.application_id} does not exist`);
      if (application.stage !== 'preHire') {
        return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: application ${application.id} is not in the to-be-onboarded stage (it is ${HIRE_STAGES[application.stage].en_name})`);
      }
      const body = (request.body ?? {}) as TransferBody;
      if (body.actual_onboard_time !== undefined && !Number.isInteger(body.actual_onboard_time)) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: actual_onboard_time must be an integer (ms)');
      }
      const refused = refusedTransferId(context, body, idTypes);
      if (refused) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: ${refused}`);
      const { user_id_type: userType, department_id_type: departmentType } = idTypes.types;
      const offer = context.company.offers.find((o) => o.offerId === application.offerId);
      // Defaults come from the offer, in the request's types; the fake has no People Admin ids to give.
      const defaultDepartment = offer && departmentType !== 'people_admin_department_id' ? larkDepartmentId(offer.departmentId, departmentType) : undefined;
      const defaultLeader = offer && userType !== 'people_admin_id' ? userIdOf(context, offer.leaderEmploymentId, userType) : undefined;
      const employee = {
        id: `sandbox-hire-employee-${application.id}`,
        application_id: application.id,
        onboard_status: 1,
        onboard_time: body.actual_onboard_time ?? context.now(),
        department: body.department ?? defaultDepartment,
        leader: body.leader ?? defaultLeader,
        employee_type: body.employee_type ?? '1',
      };
      state.employees[application.id] = employee;
      application.stage = 'onboarded';
      application.modifyTime = String(context.now());
      return larkOk(reply, { employee });
    });

    app.get('/open-apis/hire/v1/employees/get_by_application', async (request, reply) => {
      if (!admitted(context, request, reply, 'employee.get_by_application')) return reply;
      if (!larkIdTypes(request, reply)) return reply;
      const applicationId = (request.query as { application_id?: string }).application_id;
      if (!applicationId) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: application_id is required');
      const employee = hireState(context).employees[applicationId];
      if (!employee) return larkError(reply, 400, HIRE_PARAM_ERROR, `param error: application ${applicationId} has no employee record`);
      return larkOk(reply, { employee });
    });
  },

  /**
   * `hire.offer.status_changed_v1`, pushed by the Lark platform's rules (schema 2.0, encrypted,
   * signed). Emitting it is the change happening: a known offer takes the new status, and an
   * accepted offer's application moves to the pre-hire stage.
   */
  delivery(context, event) {
    if (event.type !== 'hire.offer.status_changed_v1') {
      throw new InputError(`lark-hire emits hire.offer.status_changed_v1, not ${event.type}`, 'sandbox.unknown_event');
    }
    const { offer_id: offerId, offer_status: offerStatus } = event.payload;
    if (typeof offerId !== 'string' || !Number.isInteger(offerStatus)) {
      throw new InputError('hire.offer.status_changed_v1 needs payload {offer_id: string, offer_status: integer}', 'sandbox.bad_event');
    }
    const state = hireState(context);
    if (offerId in state.offerStatus) {
      state.offerStatus[offerId] = offerStatus as number;
      const application = Object.values(state.applications).find((a) => a.offerId === offerId);
      if (application && application.stage === 'offer' && offerStatus === OFFER_ACCEPTED) {
        application.stage = 'preHire';
        application.modifyTime = String(context.now());
      }
    }
    return larkPlatform.delivery!(context, event);
  },
};

export default sandbox;
